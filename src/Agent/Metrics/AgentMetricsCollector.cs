using EdgePali.Agent.Health;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Scheduling;
using Prometheus;

namespace EdgePali.Agent.Metrics;

/// <summary>Reads the worker's stats into the registry's counters and gauges each time /metrics is scraped.</summary>
internal sealed class AgentMetricsCollector
{
    private readonly IStatsSource _stats;
    private readonly ModelHost _model;
    private readonly CameraRegistry _cameras;
    private readonly Counter _framesCaptured;
    private readonly Counter _framesDropped;
    private readonly Counter _framesGated;
    private readonly Counter _analyses;
    private readonly Counter _failures;
    private readonly Gauge _queueDepth;
    private readonly Gauge _resident;
    private readonly Gauge _temperature;
    private readonly Gauge _throttled;
    private readonly Gauge _modelLoaded;
    private readonly Gauge _streaming;

    public AgentMetricsCollector(MetricsRegistry registry, IStatsSource stats, ModelHost model, CameraRegistry cameras)
    {
        _stats = stats;
        _model = model;
        _cameras = cameras;
        var f = registry.Factory;
        _framesCaptured = f.CreateCounter("edgepali_frames_captured_total", "Frames captured.", ["camera"]);
        _framesDropped = f.CreateCounter("edgepali_frames_dropped_total", "Frames dropped as stale (latest frame wins).", ["camera"]);
        _framesGated = f.CreateCounter("edgepali_frames_gated_total", "Frames the gates decided not to analyse.", ["camera"]);
        _analyses = f.CreateCounter("edgepali_analyses_total", "Analyses completed.", ["camera"]);
        _failures = f.CreateCounter("edgepali_analysis_failures_total", "Analyses that ended in an error (all cameras and questions).");
        _queueDepth = f.CreateGauge("edgepali_queue_depth", "Items waiting per stage (gate, infer, publish).", ["stage"]);
        _resident = f.CreateGauge("edgepali_resident_memory_bytes", "Resident set size of the worker process.");
        _temperature = f.CreateGauge("edgepali_cpu_temperature_celsius", "CPU temperature from the board's thermal zone (absent when unknown).");
        _throttled = f.CreateGauge("edgepali_throttled", "1 while thermal throttling slows or pauses analysis.");
        _modelLoaded = f.CreateGauge("edgepali_model_loaded", "1 once the model is loaded.");
        _streaming = f.CreateGauge("edgepali_camera_streaming", "1 while the camera delivers frames.", ["camera"]);
        registry.Registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        var stats = _stats.GetStats();
        foreach (var camera in stats.Cameras)
        {
            _framesCaptured.WithLabels(camera.Camera).IncTo(camera.FramesCaptured);
            _framesDropped.WithLabels(camera.Camera).IncTo(camera.FramesDropped);
            _framesGated.WithLabels(camera.Camera).IncTo(camera.FramesGated);
            _analyses.WithLabels(camera.Camera).IncTo(camera.Analyses);
        }

        foreach (var camera in _cameras.Cameras)
            _streaming.WithLabels(camera.Name).Set(camera.State == CameraState.Streaming ? 1 : 0);
        _failures.IncTo(stats.AnalysesFailed);
        foreach (var (stage, depth) in stats.QueueDepths)
            _queueDepth.WithLabels(stage).Set(depth);
        _resident.Set(stats.ResidentBytes);
        if (stats.CpuTemperatureCelsius is { } celsius)
            _temperature.Set(celsius);
        else
            _temperature.Unpublish();
        _throttled.Set(stats.Throttled ? 1 : 0);
        _modelLoaded.Set(_model.Loaded is null ? 0 : 1);
    }
}
