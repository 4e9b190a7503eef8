using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// The Publish stage: numbers each finished analysis (device-wide sequence) and hands it to every
/// registered <see cref="IResultPublisher"/> in order (MQTT, JSON-lines log, GPIO rules). On shutdown it
/// drains what the scheduler already finished, so an accepted result is not lost.
/// </summary>
internal sealed class ResultDispatcher(
    ResultChannel results,
    ResultSequence sequence,
    IEnumerable<IResultPublisher> publishers,
    IOptions<AgentOptions> agent,
    Pipeline.StageLatencies latencies,
    IHostApplicationLifetime lifetime,
    ILogger<ResultDispatcher> logger) : BackgroundService
{
    /// <summary>How long the drain on shutdown may take before giving up on slow publishers.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(3);

    private readonly IResultPublisher[] _publishers = [.. publishers];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deviceId = agent.Value.ResolvedDeviceId;
        logger.LogInformation("Publishing results as device {Device} to {Publishers}; next seq {Seq}",
            deviceId, string.Join(", ", _publishers.Select(p => p.GetType().Name)), sequence.Last + 1);
        using var drain = new CancellationTokenSource();
        // Publishing continues until the scheduler has completed the channel, bounded by the drain timeout after stop.
        using var registration = stoppingToken.Register(() => drain.CancelAfter(DrainTimeout));
        try
        {
            await foreach (var outcome in results.Reader.ReadAllAsync(drain.Token).ConfigureAwait(false))
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var published = new PublishedResult(
                    sequence.Next(),
                    deviceId,
                    outcome.Camera,
                    outcome.TaskName,
                    outcome.FrameTimestamp,
                    outcome.FrameWidth,
                    outcome.FrameHeight,
                    outcome.Model,
                    outcome.Result,
                    outcome.Snapshot,
                    outcome.Reused);
                foreach (var publisher in _publishers)
                {
                    try
                    {
                        await publisher.PublishAsync(published, drain.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (drain.IsCancellationRequested)
                    {
                        throw;
                    }
#pragma warning disable CA1031 // One failing publisher must not stop the others or the pipeline.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        logger.LogError(e, "Publisher {Publisher} failed on seq {Seq}: {Message}", publisher.GetType().Name, published.Sequence, e.Message);
                    }
                }

                outcome.Published?.TrySetResult(published);
                latencies.Record("publish", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                logger.LogInformation("seq {Seq} {Camera}/{Task}: {Text}{Reused}", published.Sequence, published.Camera, published.TaskName,
                    Shorten(published.Result.Text), published.Reused ? " (reused)" : "");
            }
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
            logger.LogWarning("Stopped with {Count} results not published (publishers too slow to drain within {Seconds} s)", results.Depth, DrainTimeout.TotalSeconds);
        }
        catch (IOException e)
        {
            // The state directory failed under us (disk full, read-only): numbering results is impossible, so stop rather than reuse numbers.
            // A non-zero exit code, so that systemd (Restart=on-failure) starts it again once the disk is fixed.
            logger.LogCritical(e, "Cannot persist the result sequence number: {Message}. Stopping with exit code {ExitCode}; free space or fix the state directory.", e.Message, ExitCodes.Failure);
            Environment.ExitCode = ExitCodes.Failure;
            lifetime.StopApplication();
        }
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : string.Concat(text.AsSpan(0, 117), "...");
}
