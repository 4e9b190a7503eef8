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
/// A stop requested during the load (SIGTERM) is an ordinary stop: the start returns without a model, the
/// services that need one never get it, and nothing is logged as a failure.
/// </summary>
internal sealed class ModelHost(IFrameAnalyzer analyzer, IOptions<ModelOptions> options, ISystemdNotifier notifier, ILogger<ModelHost> logger) : IHostedService
{
    /// <summary>
    /// How long a stop waits for a load it abandoned to settle: long enough for an ONNX Runtime session being
    /// created (not cancellable) to finish, so the process does not exit under native code; short enough that a
    /// load stuck on a hung disk does not eat the whole shutdown time.
    /// </summary>
    private static readonly TimeSpan AbandonedLoadWait = TimeSpan.FromSeconds(2);

    private readonly TaskCompletionSource<IFrameAnalyzer> _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _load;

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
        // On a thread-pool thread, so that parts of the load that do not watch the token (opening files, creating
        // sessions) cannot hold up the reaction to a stop.
        _load = Task.Run(() => analyzer.LoadAsync(cancellationToken), CancellationToken.None);
        try
        {
            await _load.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host was asked to stop (SIGTERM, Ctrl-C) before the model was ready: not a failure. Returning
            // normally keeps the host from logging "Hosting failed to start"; it stops right after the start.
            logger.LogInformation("Stop requested while loading the model; stopping without it");
            notifier.Notify(new ServiceState("STATUS=Stopped while loading the model"));
            return;
        }
        catch (Exception e)
        {
            notifier.Notify(new ServiceState($"STATUS=Model failed to load: {e.Message}"));
            throw;
        }

        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        logger.LogInformation("Model {Model} loaded in {Seconds:0.0} s", analyzer.ModelName, seconds);
        notifier.Notify(new ServiceState(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"STATUS=Model {analyzer.ModelName} loaded in {seconds:0.0} s; analysing")));
        _loaded.TrySetResult(analyzer);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _loaded.TrySetCanceled(CancellationToken.None);
        if (_load is { IsCompleted: false } abandoned)
        {
            // Its outcome no longer matters (the analyzer is disposed with the container); only its end does.
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(AbandonedLoadWait);
            await abandoned.WaitAsync(wait.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
