using System.Text;

namespace EdgePali.Vision.Tests.Support;

/// <summary>Texts and id sequences the tokenizer is compared on against transformers.js.</summary>
internal static class TokenizerCorpus
{
    private static readonly string Paragraph =
        "PaliGemma is a vision-language model: it reads an image and a short prompt, then writes a caption, " +
        "an answer, or boxes such as <loc0051><loc0309><loc0708><loc0646> shoe. Numbers like 3.14159, 1,000,000 " +
        "and 2026-11-27 split into digits; URLs like https://example.com/a?b=c&d=e%20f keep their pieces.\n";

    /// <summary>Hand-picked texts: scripts, whitespace, emoji and byte fallback, prompts with PaliGemma tokens.</summary>
    public static IReadOnlyList<string> Texts { get; } =
    [
        "",
        "How are you doing?",
        "The company was founded in 2016.",
        "def main():\n\tpass",
        "   leading space",
        "trailing space   ",
        "🦙Ꙋ",
        "This is a test",
        "生活的真谛是",
        "Hi  Hello",
        " ",
        "\t\t\t\t \n\n61",
        "caption en\n",
        // Scripts
        "Grüße aus Köln, Straße, Maß.",
        "Ça va très bien, merci ! L'été à Noël.",
        "¿Dónde está la biblioteca? ¡Hola!",
        "Привет, как дела? Съешь же ещё этих мягких французских булок.",
        "Καλημέρα κόσμε",
        "我爱北京天安门。今天天气很好！",
        "今日は良い天気ですね。カタカナとひらがな",
        "안녕하세요 세계",
        "مرحبا بالعالم، كيف حالك؟",
        "שלום עולם",
        "नमस्ते दुनिया, आप कैसे हैं?",
        "வணக்கம் உலகம்",
        "สวัสดีชาวโลก",
        "Xin chào thế giới",
        "İstanbul'da ışık, ĞÜŞÖÇ",
        "ሰላም ልዑል",
        "გამარჯობა მსოფლიო",
        "Բարեւ աշխարհ",
        "ওহে বিশ্ব",
        "e\u0301 vs \u00e9 (NFD vs NFC)",
        "𠜎𠜱𠝹𠱓 rare CJK extension B",
        "∑∫√∞ ≤ ≥ ≠ ±",
        "𝄞 𝕬𝖇𝖈 𝒳",
        // Emoji and byte fallback
        "👨‍👩‍👧‍👦 family, 👍🏽 thumbs, 🇩🇪🇯🇵 flags",
        "😀😃😄😁😆😅🤣😂🙂🙃",
        "\uE000\uF8FF private use",
        "\u0001\u0002\u0003 controls \u007F",
        "nul \u0000 inside",
        "\uFEFFbyte order mark first",
        "zero\u200Bwidth\u200Djoiner",
        // Whitespace
        "a\u00A0b\u3000c\u2009d",
        "line\r\nwindows\rmac\nunix",
        "\n",
        "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
        new string(' ', 40),
        new string(' ', 1000),
        new string('\t', 17),
        " \n \n\t \t\n  \n",
        "words   with    runs     of      spaces",
        "▁ literal ▁▁ metaspace ▁▁▁",
        // PaliGemma prompts and added tokens
        string.Concat(Enumerable.Repeat("<image>", 256)) + "<bos>caption en\n",
        string.Concat(Enumerable.Repeat("<image>", 4)) + "<bos>detect car ; person ; traffic light\n",
        "<image><bos>segment cat\n",
        "<image><bos>answer en What is on the flower?\n",
        "<loc0051><loc0309><loc0708><loc0646> shoe",
        "<loc0000><loc1023><seg000><seg127> cat ; <loc0100><loc0200><loc0300><loc0400><seg012><seg034> dog",
        "<loc", "<loc10000>", "<loc999>", "<LOC0001>", "<seg128>", "<image", "<<image>>", "image>",
        "<bos><eos><pad><unk><mask>",
        "<start_of_turn>user\nhello<end_of_turn>\n<start_of_turn>model\n",
        "<unused5> <unused99> [@BOS@] <2mass>",
        "<table><tr><td>x</td></tr></table> <h1>title</h1> <strong>bold</strong>",
        "<0x41> is text, not a byte",
        "<loc0001>\n\n<seg000>  <image>\t<bos>",
        // Long text
        string.Concat(Enumerable.Repeat(Paragraph, 30)),
        new string('x', 3000),
        string.Concat(Enumerable.Repeat("ab", 1500)),
    ];

    /// <summary>Random texts from a fixed seed, mixing scripts, whitespace, emoji and PaliGemma tokens.</summary>
    public static IReadOnlyList<string> RandomTexts(int seed, int count)
    {
        var random = new Random(seed);
        string[] fragments =
        [
            " ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", "\u00A0", "<image>", "<bos>", "<eos>", "<loc0042>", "<seg007>",
            "<loc", "seg>", "<", ">", "▁", "the", " the", "ing", "tion", "2026", ".", ",", "?", "!", "'s", " n't",
        ];
        (int From, int To)[] ranges =
        [
            (0x20, 0x7E), (0x20, 0x7E), (0x20, 0x7E), (0xA0, 0x17F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
            (0x900, 0x97F), (0xE00, 0xE7F), (0x3040, 0x30FF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x1F300, 0x1FAFF),
            (0x20000, 0x2A6DF), (0xE000, 0xF8FF), (0x0, 0x1F),
        ];
        var texts = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var text = new StringBuilder();
            var parts = random.Next(0, 25);
            for (var p = 0; p < parts; p++)
            {
                if (random.Next(4) == 0)
                {
                    text.Append(fragments[random.Next(fragments.Length)]);
                    continue;
                }

                var (from, to) = ranges[random.Next(ranges.Length)];
                var run = random.Next(1, 6);
                for (var r = 0; r < run; r++)
                    text.Append(char.ConvertFromUtf32(random.Next(from, to + 1)));
            }

            texts.Add(text.ToString());
        }

        return texts;
    }

    /// <summary>Random id sequences: any vocabulary id, byte pieces in runs (valid and broken UTF-8, BOMs),
    /// special, location and segmentation ids, and ids outside the vocabulary.</summary>
    public static IReadOnlyList<int[]> RandomIdSequences(int seed, int count)
    {
        var random = new Random(seed);
        int[] special = [0, 1, 2, 3, 4, 106, 107, 108, 109, 139, 235248, 257152];
        const int FirstByte = 217; // <0x00>
        var sequences = new List<int[]>(count);
        for (var i = 0; i < count; i++)
        {
            var ids = new List<int>();
            var length = random.Next(1, 30);
            while (ids.Count < length)
            {
                switch (random.Next(8))
                {
                    case 0: ids.Add(random.Next(0, 257153)); break;
                    case 1: ids.Add(random.Next(0, 4096)); break;
                    case 2: ids.Add(special[random.Next(special.Length)]); break;
                    case 3: ids.Add(random.Next(256000, 257153)); break;
                    case 4: // a run of random bytes: often invalid UTF-8
                        for (var b = random.Next(1, 5); b > 0; b--)
                            ids.Add(FirstByte + random.Next(256));
                        break;
                    case 5: // valid UTF-8 for a random code point, sometimes behind a byte-order mark
                        if (random.Next(3) == 0)
                            ids.AddRange([FirstByte + 0xEF, FirstByte + 0xBB, FirstByte + 0xBF]);
                        foreach (var b in Encoding.UTF8.GetBytes(char.ConvertFromUtf32(random.Next(0x80, 0x2FFFF) is var cp && cp is >= 0xD800 and <= 0xDFFF ? 0x4E00 : cp)))
                            ids.Add(FirstByte + b);
                        break;
                    case 6: ids.Add(random.Next(0, 2) == 0 ? 257153 + random.Next(1000) : -1 - random.Next(5)); break;
                    default: ids.Add(random.Next(235000, 256000)); break;
                }
            }

            sequences.Add([.. ids]);
        }

        return sequences;
    }
}
