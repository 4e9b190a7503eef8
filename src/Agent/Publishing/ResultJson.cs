using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EdgePali.Agent.Pipeline;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The one result serialiser: result messages (schemas/result.json; also each line of the JSON-lines result log) and
/// ask replies (schemas/ask-reply.json). Field names are the public contract: snake_case, boxes as [x_min, y_min, x_max, y_max], masks as COCO RLE over the frame.
/// </summary>
public static class ResultJson
{
    /// <summary>The message for `{prefix}/{device}/{camera}/{task}`.</summary>
    public static byte[] Result(PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Write(writer => WriteResult(writer, result));
    }

    /// <summary>The `set` reply to op `run`: `{"id", "ok": true, "result": {the result message as published}}`.</summary>
    public static byte[] TaskRun(string? id, PublishedResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Write(writer =>
        {
            WriteId(writer, id);
            writer.WriteBoolean("ok", true);
            writer.WriteStartObject("result");
            WriteResult(writer, result);
            writer.WriteEndObject();
        });
    }

    /// <summary>A successful ask reply.</summary>
    public static byte[] AskAnswer(string? id, string deviceId, string camera, Pipeline.AskAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return Write(writer =>
        {
            WriteId(writer, id);
            writer.WriteBoolean("ok", true);
            WriteAnalysis(writer, deviceId, camera, "ask", answer.FrameTimestamp, answer.FrameWidth, answer.FrameHeight, answer.Model, answer.Result);
        });
    }

    /// <summary>A failed command or ask: `{"id": ..., "ok": false, "error": "..."}`.</summary>
    public static byte[] Error(string? id, string error) => Write(writer =>
    {
        WriteId(writer, id);
        writer.WriteBoolean("ok", false);
        writer.WriteString("error", error);
    });

    /// <summary>ISO 8601 UTC with milliseconds, e.g. 2026-11-27T09:00:00.123Z.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    internal static void WriteId(Utf8JsonWriter writer, string? id)
    {
        if (id is not null)
        {
            writer.WriteString("id", id);
        }
    }

    internal static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteResult(Utf8JsonWriter writer, PublishedResult result)
    {
        writer.WriteNumber("seq", result.Sequence);
        WriteAnalysis(writer, result.DeviceId, result.Camera, result.TaskName, result.FrameTimestamp, result.FrameWidth, result.FrameHeight, result.Model, result.Result);
        writer.WriteBoolean("reused", result.Reused);
    }

    private static void WriteAnalysis(Utf8JsonWriter writer, string deviceId, string camera, string name, DateTimeOffset frameTime,
        int frameWidth, int frameHeight, string model, AnalysisResult result)
    {
        writer.WriteString("ts", Timestamp(frameTime));
        writer.WriteString("device", deviceId);
        writer.WriteString("camera", camera);
        writer.WriteString("task", result.Task.Kind);
        writer.WriteString("name", name);
        writer.WriteString("prompt", result.Task.Prefix);
        writer.WriteString("text", result.Text);
        writer.WriteStartObject("frame");
        writer.WriteNumber("width", frameWidth);
        writer.WriteNumber("height", frameHeight);
        writer.WriteEndObject();
        writer.WriteString("model", model);
        var t = result.Timings;
        writer.WriteStartObject("timings_ms");
        writer.WriteNumber("preprocess", Math.Round(t.PreprocessMs, 2));
        writer.WriteNumber("vision", Math.Round(t.VisionMs, 2));
        writer.WriteNumber("prefill", Math.Round(t.PrefillMs, 2));
        writer.WriteNumber("decode", Math.Round(t.DecodeMs, 2));
        writer.WriteNumber("total", Math.Round(t.TotalMs, 2));
        writer.WriteEndObject();
        writer.WriteStartObject("tokens");
        writer.WriteNumber("prompt", t.PromptTokens);
        writer.WriteNumber("generated", t.GeneratedTokens);
        writer.WriteEndObject();
        if (result.Note is not null)
        {
            writer.WriteString("note", result.Note);
        }

        if (result.Task is DetectTask or SegmentTask || result.Objects.Count > 0)
        {
            writer.WriteStartArray("objects");
            foreach (var obj in result.Objects)
            {
                WriteObject(writer, obj, frameWidth, frameHeight);
            }

            writer.WriteEndArray();
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, DetectedObject obj, int frameWidth, int frameHeight)
    {
        writer.WriteStartObject();
        writer.WriteString("label", obj.Label);
        writer.WriteNumber("score", Math.Round(obj.Score, 4));
        WriteBox(writer, "box", obj.Box, 1);
        WriteBox(writer, "box_norm", obj.BoxNormalized, 5);
        if (obj.Mask is { } mask)
        {
            writer.WriteStartObject("mask");
            writer.WriteStartArray("size");
            writer.WriteNumberValue(frameHeight);
            writer.WriteNumberValue(frameWidth);
            writer.WriteEndArray();
            writer.WriteString("counts", CocoRle.Compress(CocoRle.Runs(mask, frameWidth, frameHeight)));
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteBox(Utf8JsonWriter writer, string name, BoxF box, int decimals)
    {
        writer.WriteStartArray(name);
        writer.WriteNumberValue(Math.Round(box.XMin, decimals));
        writer.WriteNumberValue(Math.Round(box.YMin, decimals));
        writer.WriteNumberValue(Math.Round(box.XMax, decimals));
        writer.WriteNumberValue(Math.Round(box.YMax, decimals));
        writer.WriteEndArray();
    }
}
