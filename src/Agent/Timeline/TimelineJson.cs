using System.Text.Json.Nodes;

namespace EdgePali.Agent.Timeline;

/// <summary>Timeline entries as JSON: each the result message as published on MQTT, plus its thumbnail's URL path.</summary>
public static class TimelineJson
{
    public static JsonArray Entries(IEnumerable<TimelineEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var array = new JsonArray();
        foreach (var entry in entries)
        {
            var node = JsonNode.Parse(entry.Json)!.AsObject();
            node["thumbnail"] = entry.HasThumbnail ? $"/api/results/{entry.Sequence}/thumbnail.jpg" : null;
            array.Add(node);
        }

        return array;
    }

    /// <summary>The reply to the MQTT `search` command: `{"id", "ok": true, "results": [...]}`.</summary>
    public static byte[] SearchReply(string? id, IEnumerable<TimelineEntry> entries)
    {
        var reply = new JsonObject();
        if (id is not null)
            reply["id"] = id;
        reply["ok"] = true;
        reply["results"] = Entries(entries);
        return System.Text.Encoding.UTF8.GetBytes(reply.ToJsonString());
    }
}
