using System.Text.Json.Nodes;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Health;
using EdgePali.Agent.Scheduling;
using Microsoft.AspNetCore.Http;

namespace EdgePali.Agent.Http;

/// <summary>
/// `/healthz` (liveness: the pipeline makes progress, the same check that feeds the systemd watchdog) and `/readyz`
/// (readiness: the model is loaded and an enabled camera streams). 200 when true, 503 with the reason otherwise.
/// </summary>
internal static class HealthEndpoints
{
    public static IResult Live(PipelineHealth health) =>
        health.IsHealthy(out var problem)
            ? Results.Json(new JsonObject { ["status"] = "ok" })
            : Results.Json(new JsonObject { ["status"] = "failing", ["problem"] = problem }, statusCode: StatusCodes.Status503ServiceUnavailable);

    public static IResult Ready(ModelHost model, CameraRegistry cameras)
    {
        var problems = new JsonArray();
        if (model.Loaded is null)
            problems.Add("the model is not loaded yet");
        var enabled = cameras.Cameras.Where(c => c.Enabled).ToList();
        if (enabled.Count > 0 && !enabled.Any(c => c.State == CameraState.Streaming))
            problems.Add($"no camera is streaming ({string.Join(", ", enabled.Select(c => $"{c.Name}: {c.State.ToString().ToLowerInvariant()}"))})");
        return problems.Count == 0
            ? Results.Json(new JsonObject { ["status"] = "ready", ["model"] = model.Loaded!.ModelName })
            : Results.Json(new JsonObject { ["status"] = "not ready", ["problems"] = problems }, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
