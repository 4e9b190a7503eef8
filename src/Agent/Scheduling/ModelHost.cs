using EdgePali.Agent.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Scheduling;

/// <summary>
/// Loads the shared model while the host starts. It is the first hosted service, so the host (and with
/// UseSystemd() the READY=1 notification) completes start-up only once the model is loaded and checked; a
/// package that fails to load stops the start with its message. Progress goes to systemd as STATUS=.
/// </summary>
internal sealed class ModelHost(IFrameAnalyzer analyzer, IOptions<ModelOptions> options, ISystemdNotifier notifier, ILogger<ModelHost> logger) : IHostedService
{
    private readonly TaskCompletionSource<IFrameAnalyzer> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The model, once loaded (null before).</summary>
    public IFrameAnalyzer? Loaded => _loaded.Task.IsCompletedSuccessfully ? _loaded.Task.Result : null;

    public Task<IFrameAnalyzer> WaitLoadedAsync(CancellationToken cancellationToken) => _loaded.Task.WaitAsync(cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var path = options.Value.ResolvePath() ?? options.Value.Path;
        logger.LogInformation("Loading model {Path} ({Variant})", path, options.Value.Variant);
        // systemd shows STATUS= in `systemctl status` while the (long) load keeps the unit "activating".
        notifier.Notify(new ServiceState($"STATUS=Loading model {path} ({options.Value.Variant})"));
        try
        {
            await analyzer.LoadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            notifier.Notify(new ServiceState($"STATUS=Model failed to load: {e.Message}"));
            throw;
        }

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        logger.LogInformation("Model {Model} loaded in {Seconds:0.0} s", analyzer.ModelName, seconds);
        notifier.Notify(new ServiceState(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"STATUS=Model {analyzer.ModelName} loaded in {seconds:0.0} s; analysing")));
        _loaded.TrySetResult(analyzer);
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _loaded.TrySetCanceled(CancellationToken.None);
        return Task.CompletedTask;
    }
}
