using EdgePali.Agent.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// Loads the shared model while the host starts. It is the first hosted service, so the host (and with
/// UseSystemd() the READY=1 notification) completes start-up only once the model is loaded and checked; a
/// package that fails to load stops the start with its message.
/// </summary>
internal sealed class ModelHost(IFrameAnalyzer analyzer, IOptions<ModelOptions> options, ILogger<ModelHost> logger) : IHostedService
{
    private readonly TaskCompletionSource<IFrameAnalyzer> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The model, once loaded (null before).</summary>
    public IFrameAnalyzer? Loaded => _loaded.Task.IsCompletedSuccessfully ? _loaded.Task.Result : null;

    public Task<IFrameAnalyzer> WaitLoadedAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        logger.LogInformation("Loading model {Path} ({Variant})", options.Value.ResolvePath() ?? options.Value.Path, options.Value.Variant);
        await analyzer.LoadAsync(cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Model {Model} loaded in {Seconds:0.0} s", analyzer.ModelName, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        _loaded.TrySetResult(analyzer);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _loaded.TrySetCanceled(CancellationToken.None);
        return Task.CompletedTask;
    }
}
