using System.Text.Json;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Http;

/// <summary>
/// The parts of an OpenAI chat-completions request EdgePali uses: the last user message's text and first image
/// (a data URL), max_tokens, stream. Sampling settings (temperature, top_p, ...) are accepted and ignored: PaliGemma
/// runs greedy, so the same image and prompt give the same answer. Images behind http(s) URLs are refused: the
/// board fetching URLs named by callers would let anyone who can call the API make it reach into the local network.
/// </summary>
internal sealed record ChatCompletionRequest(VisionTask Task, byte[] Image, int? MaxTokens, bool Stream, bool IncludeUsage, int ImagesIgnored)
{
    /// <summary>Parses <paramref name="body"/>; returns null and an error message (what is wrong and what to send) when it is unusable.</summary>
    public static ChatCompletionRequest? Parse(ReadOnlySpan<byte> body, int maxPromptCharacters, out string? error)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            error = $"The body is not valid JSON ({e.Message}).";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            {
                error = "Expected a JSON object with 'messages': [{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"...\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,...\"}}]}].";
                return null;
            }

            JsonElement? user = null;
            foreach (var message in messages.EnumerateArray())
            {
                if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString() == "user")
                    user = message;
            }

            if (user is not { } last || !last.TryGetProperty("content", out var content))
            {
                error = "No message with role 'user' and 'content': send the prompt and the image in a user message.";
                return null;
            }

            var texts = new List<string>();
            var images = new List<string>();
            if (content.ValueKind == JsonValueKind.String)
            {
                texts.Add(content.GetString()!);
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    var type = part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                    if (type == "text" && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        texts.Add(text.GetString()!);
                    }
                    else if (type == "image_url" && part.TryGetProperty("image_url", out var image))
                    {
                        images.Add(image.ValueKind == JsonValueKind.String ? image.GetString()! : image.ValueKind == JsonValueKind.Object && image.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String ? url.GetString()! : "");
                    }
                    else
                    {
                        error = $"Unsupported content part{(type is null ? "" : $" of type '{type}'")}: use {{\"type\":\"text\",\"text\":...}} and {{\"type\":\"image_url\",\"image_url\":{{\"url\":\"data:image/jpeg;base64,...\"}}}}.";
                        return null;
                    }
                }
            }
            else
            {
                error = "'content' must be a string or an array of parts.";
                return null;
            }

            var prompt = string.Join(' ', texts.Select(t => t.Trim()).Where(t => t.Length > 0));
            if (prompt.Length == 0)
            {
                error = "The user message has no text: send a question or a PaliGemma prefix such as 'caption en' or 'detect cat ; dog'.";
                return null;
            }

            if (prompt.Length > maxPromptCharacters)
            {
                error = $"The prompt has {prompt.Length} characters; at most Http:MaxPromptCharacters = {maxPromptCharacters}.";
                return null;
            }

            if (images.Count == 0)
            {
                error = "The user message has no image: add a part {\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,...\"}} (PNG or JPEG).";
                return null;
            }

            var bytes = DecodeDataUrl(images[0], out error);
            if (bytes is null)
                return null;

            int? maxTokens = null;
            foreach (var name in (string[])["max_completion_tokens", "max_tokens"])
            {
                if (root.TryGetProperty(name, out var max) && max.ValueKind != JsonValueKind.Null)
                {
                    if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var value) || value < 1)
                    {
                        error = $"'{name}' must be a positive whole number.";
                        return null;
                    }

                    maxTokens ??= value;
                }
            }

            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object
                && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            error = null;
            return new ChatCompletionRequest(ToTask(prompt), bytes, maxTokens, stream, includeUsage, images.Count - 1);
        }
    }

    /// <summary>A PaliGemma prefix ("caption en", "detect cat ; dog", "ocr", "answer en ...") runs as is; any other text is a question ("answer en" + text).</summary>
    public static VisionTask ToTask(string prompt)
    {
        var task = VisionTaskParser.Parse(prompt);
        return task is RawTask ? new AnswerTask(prompt.Trim()) : task;
    }

    private static byte[]? DecodeDataUrl(string url, out string? error)
    {
        error = null;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            error = url.StartsWith("http", StringComparison.OrdinalIgnoreCase)
                ? "Image URLs are not fetched (the board does not download what callers name); send the image inline as data:image/jpeg;base64,..."
                : "The image_url must be a data URL: data:image/jpeg;base64,... or data:image/png;base64,...";
            return null;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || !url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            error = "The image data URL must be base64: data:image/jpeg;base64,...";
            return null;
        }

        try
        {
            return Convert.FromBase64String(url[(comma + 1)..]);
        }
        catch (FormatException)
        {
            error = "The image data URL's base64 is malformed.";
            return null;
        }
    }
}
