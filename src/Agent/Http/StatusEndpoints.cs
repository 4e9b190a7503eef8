using EdgePali.Agent.Pipeline;
using System.Text.Json.Nodes;
using EdgePali.Agent.Control;
using EdgePali.Agent.Options;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Scheduling;
using EdgePali.Agent.Timeline;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Http;

/// <summary>
/// What the status page shows: `/` (the page), `/api/status` (cameras with state, tasks and each task's last result),
/// `/api/cameras/{camera}/snapshot.jpg` (newest annotated snapshot), `/api/results?q=&amp;camera=&amp;limit=` (the
/// timeline, searched) and `/api/results/{seq}/thumbnail.jpg`.
/// </summary>
internal static class StatusEndpoints
{
    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(StatusEndpoints).Assembly.GetManifestResourceStream("EdgePali.Agent.Http.StatusPage.html")
            ?? throw new InvalidOperationException("The status page is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    public static IResult StatusPage() => Results.Content(Page.Value, "text/html; charset=utf-8");

    public static IResult Status(CameraRegistry cameras, ICameraControl control, LatestResults latest, ModelHost model, IOptions<AgentOptions> agent, IResultSearch search, TimeProvider time)
    {
        var list = new JsonArray();
        foreach (var camera in cameras.Cameras)
        {
            var tasks = new JsonArray();
            foreach (var task in control.GetSettings(camera.Name)?.Tasks ?? [])
            {
                var last = latest.Find(camera.Name, task.Name);
                tasks.Add(new JsonObject
                {
                    ["name"] = task.Name,
                    ["task"] = task.Kind,
                    ["prompt"] = task.Prompt,
                    ["labels"] = new JsonArray([.. task.Labels.Select(l => JsonValue.Create(l))]),
                    ["trigger"] = task.Trigger.ToString().ToLowerInvariant(),
                    ["interval_s"] = task.Interval.TotalSeconds,
                    ["enabled"] = task.Enabled,
                    ["last"] = last is null ? null : JsonNode.Parse(ResultJson.Result(last)),
                });
            }

            list.Add(new JsonObject
            {
                ["name"] = camera.Name,
                ["state"] = camera.State.ToString().ToLowerInvariant(),
                ["enabled"] = camera.Enabled,
                ["motion"] = camera.Motion,
                ["fps"] = Math.Round(camera.Counters.CapturedFps(time.GetUtcNow()), 2),
                ["error"] = camera.LastError,
                ["snapshot"] = latest.Snapshot(camera.Name) is null ? null : $"/api/cameras/{Uri.EscapeDataString(camera.Name)}/snapshot.jpg",
                ["tasks"] = tasks,
            });
        }

        return Results.Json(new JsonObject
        {
            ["device"] = agent.Value.ResolvedDeviceId,
            ["model"] = model.Loaded?.ModelName,
            ["timeline"] = search.Enabled,
            ["cameras"] = list,
        });
    }

    public static IResult Snapshot(string camera, LatestResults latest) =>
        latest.Snapshot(camera) is { } jpeg ? Results.File(jpeg, "image/jpeg") : NotFound($"No snapshot of camera '{camera}' yet (snapshots come with results; Snapshots:Enabled).");

    public static IResult Search(HttpRequest request, IResultSearch search)
    {
        if (!search.Enabled)
            return NotFound("The results timeline is off on this device (Timeline:Enabled = false).");
        var query = request.Query["q"].ToString();
        var camera = request.Query["camera"].ToString();
        var limitText = request.Query["limit"].ToString();
        var limit = 50;
        if (limitText.Length > 0 && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 500))
            return Results.Json(Error("'limit' must be a whole number from 1 to 500."), statusCode: StatusCodes.Status400BadRequest);
        var entries = search.Search(query.Length == 0 ? null : query, camera.Length == 0 ? null : camera, limit);
        return Results.Json(new JsonObject { ["results"] = TimelineJson.Entries(entries) });
    }

    public static IResult Thumbnail(long seq, TimelineStore store, IResultSearch search) =>
        search.Enabled && store.GetThumbnail(seq) is { } jpeg ? Results.File(jpeg, "image/jpeg") : NotFound($"No thumbnail for result {seq}.");

    private static IResult NotFound(string message) => Results.Json(Error(message), statusCode: StatusCodes.Status404NotFound);

    private static JsonObject Error(string message) => new() { ["error"] = new JsonObject { ["message"] = message } };
}
