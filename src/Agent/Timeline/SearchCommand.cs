using System.Text.Json;

namespace EdgePali.Agent.Timeline;

/// <summary>
/// The MQTT `set` command `{"op": "search", "q": "person", "limit": 10}` (id optional): the camera's timeline results
/// matching q, newest first, in the reply. Read-only: accepted in Mqtt:Commands = read-only.
/// </summary>
public sealed record SearchCommand(string? Id, string? Query, int Limit)
{
    public const string Op = "search";
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;
    private static readonly string[] Fields = ["id", "op", "q", "limit"];

    /// <summary>True when <paramref name="payload"/> is a JSON object whose op is "search"; then either the command or the error is set.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out SearchCommand? command, out string? error)
    {
        command = null;
        error = null;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = 8 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String || op.GetString() != Op)
                return false;
            string? id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            if (root.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !Fields.Contains(name)) is { } unknown)
                error = $"unknown field '{unknown}'; op 'search' takes q (words to find) and limit (1-{MaxLimit})";
            else if (root.TryGetProperty("q", out var q) && q.ValueKind != JsonValueKind.String)
                error = "'q' must be a string (the words to find)";
            else if (root.TryGetProperty("limit", out var l) && (l.ValueKind != JsonValueKind.Number || !l.TryGetInt32(out var n) || n is < 1 or > MaxLimit))
                error = $"'limit' must be a whole number from 1 to {MaxLimit}";
            command = new SearchCommand(id,
                root.TryGetProperty("q", out var query) && query.ValueKind == JsonValueKind.String ? query.GetString() : null,
                root.TryGetProperty("limit", out var limit) && limit.ValueKind == JsonValueKind.Number && limit.TryGetInt32(out var value) ? value : DefaultLimit);
            return true;
        }
        catch (JsonException)
        {
            return false; // not JSON: the ordinary command parser reports it
        }
    }
}
