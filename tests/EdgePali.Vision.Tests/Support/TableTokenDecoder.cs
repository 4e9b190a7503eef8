using System.Globalization;
using System.Text;
using EdgePali.Vision.Tasks;
using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Tests.Support;

/// <summary>
/// A tiny stand-in vocabulary for parser tests: location and segment ids decode to "&lt;locNNNN&gt;" and
/// "&lt;segNNN&gt;" as the Gemma tokenizer writes them, a handful of ids to label pieces. It can also turn a
/// model-style answer string back into tokens (greedy longest match), so tests read like the HF examples.
/// </summary>
internal sealed class TableTokenDecoder : ITokenDecoder
{
    private static readonly Dictionary<int, string> Pieces = new()
    {
        [0] = "<pad>",
        [1] = "<eos>",
        [2] = "<bos>",
        [108] = "\n",
        [235248] = " ",
        [2000] = " shoe",
        [2001] = " car",
        [2002] = " person",
        [2003] = " ;",
        [2004] = " red",
        [2005] = " traffic",
        [2006] = " light",
        [2007] = "cat",
        [2008] = " Straßenbahn",
        [2009] = " 🦙",
        [2010] = " 猫",
        [2011] = ";",
        [2012] = " <",
        [2013] = "car;",
        [2014] = " dog",
    };

    public static TableTokenDecoder Instance { get; } = new();

    public static IEnumerable<int> TextIds => Pieces.Keys.Where(id => id > 2);

    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        foreach (var id in ids)
        {
            if (PaliGemmaTokens.IsLocation(id))
                text.Append(CultureInfo.InvariantCulture, $"<loc{id - PaliGemmaTokens.FirstLocation:D4}>");
            else if (PaliGemmaTokens.IsSegment(id))
                text.Append(CultureInfo.InvariantCulture, $"<seg{id - PaliGemmaTokens.FirstSegment:D3}>");
            else if (Pieces.TryGetValue(id, out var piece))
                text.Append(piece);
            else
                text.Append(CultureInfo.InvariantCulture, $"<unk{id}>");
        }

        return text.ToString();
    }

    /// <summary>Tokens for an answer string; every token gets <paramref name="probability"/>.</summary>
    public static GeneratedToken[] Tokens(string answer, float probability = 0.9f) =>
        Ids(answer).Select(id => new GeneratedToken(id, probability)).ToArray();

    public static List<int> Ids(string answer)
    {
        var ids = new List<int>();
        var i = 0;
        while (i < answer.Length)
        {
            if (TryTag(answer, i, "<loc", 4, PaliGemmaTokens.FirstLocation, out var id) ||
                TryTag(answer, i, "<seg", 3, PaliGemmaTokens.FirstSegment, out id))
            {
                ids.Add(id);
                i += answer[i..].IndexOf('>', StringComparison.Ordinal) + 1;
                continue;
            }

            // A piece may not swallow the '<' of a following <locNNNN>/<segNNN> tag (" <" vs " " + tag).
            var best = Pieces.Where(p => answer.AsSpan(i).StartsWith(p.Value, StringComparison.Ordinal) &&
                                         !(p.Value.EndsWith('<') && StartsTag(answer, i + p.Value.Length - 1)))
                .OrderByDescending(p => p.Value.Length).FirstOrDefault();
            if (best.Value is null)
                throw new ArgumentException($"No test piece for '{answer[i..]}'");
            ids.Add(best.Key);
            i += best.Value.Length;
        }

        return ids;
    }

    private static bool StartsTag(string text, int at) =>
        TryTag(text, at, "<loc", 4, 0, out _) || TryTag(text, at, "<seg", 3, 0, out _);

    private static bool TryTag(string text, int at, string tag, int digits, int first, out int id)
    {
        id = 0;
        if (!text.AsSpan(at).StartsWith(tag, StringComparison.Ordinal) || at + tag.Length + digits >= text.Length ||
            text[at + tag.Length + digits] != '>')
        {
            return false;
        }

        id = first + int.Parse(text.AsSpan(at + tag.Length, digits), CultureInfo.InvariantCulture);
        return true;
    }
}
