using System.Device.Gpio;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Devices;

/// <summary>
/// Outputs driven by results (e.g. a relay or the board LED on while a person is detected): a matching
/// result switches the output on and (re)starts its hold time; a timer switches it off once the hold has
/// passed without a new match. Sits among the result publishers so it sees every result.
/// </summary>
internal sealed class GpioOutputRules(
    IServiceProvider services,
    IOptions<DevicesOptions> options,
    TimeProvider time,
    ILogger<GpioOutputRules> logger) : BackgroundService, IResultPublisher
{
    private readonly Lock _lock = new();
    private readonly List<Output> _outputs = [];

    public ValueTask PublishAsync(PublishedResult result, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var output in _outputs.Where(o => o.Rule.Matches(result)))
            {
                if (output.OffAt is null)
                {
                    output.Line.Switch(true);
                    logger.LogInformation("Output {Output} on: '{Label}' in seq {Seq} from {Camera}", output.Name, output.Rule.Label, result.Sequence, result.Camera);
                }

                output.OffAt = time.GetUtcNow() + output.Hold;
            }
        }

        return ValueTask.CompletedTask;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var o in options.Value.Gpio.Outputs)
        {
            IOutputLine line = o.Pin >= 0
                ? new GpioOutputLine(services.GetRequiredService<GpioController>(), o.Pin, o.ActiveLow)
                : new BoardLedOutputLine(o.Led);
            var name = string.IsNullOrEmpty(o.Name) ? (o.Pin >= 0 ? $"GPIO{o.Pin}" : o.Led) : o.Name;
            _outputs.Add(new Output(name, line, new OutputRule(o.Label, string.IsNullOrEmpty(o.Camera) ? null : o.Camera), TimeSpan.FromSeconds(o.HoldSeconds)));
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var output in _outputs)
                output.Line.Dispose();
            _outputs.Clear();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_outputs.Count == 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            lock (_lock)
            {
                var now = time.GetUtcNow();
                foreach (var output in _outputs.Where(o => o.OffAt is { } off && now >= off))
                {
                    output.Line.Switch(false);
                    output.OffAt = null;
                    logger.LogInformation("Output {Output} off: no '{Label}' for {Seconds} s", output.Name, output.Rule.Label, output.Hold.TotalSeconds);
                }
            }
        }
    }

    private sealed class Output(string name, IOutputLine line, OutputRule rule, TimeSpan hold)
    {
        public string Name { get; } = name;

        public IOutputLine Line { get; } = line;

        public OutputRule Rule { get; } = rule;

        public TimeSpan Hold { get; } = hold;

        public DateTimeOffset? OffAt { get; set; }
    }
}
