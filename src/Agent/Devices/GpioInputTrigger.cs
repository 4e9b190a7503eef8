using System.Device.Gpio;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Devices;

/// <summary>
/// GPIO inputs (PIR sensor, button) as task triggers: an edge fires the "gpio" tasks of the input's
/// cameras; edges within DebounceMilliseconds of the last accepted one are ignored (contact bounce, PIR
/// retriggering). The controller is only created when inputs are configured.
/// </summary>
internal sealed class GpioInputTrigger(
    IServiceProvider services,
    IOptions<DevicesOptions> options,
    CameraRegistry cameras,
    Signal signal,
    TimeProvider time,
    ILogger<GpioInputTrigger> logger) : IHostedService
{
    private readonly List<(int Pin, PinChangeEventHandler Handler)> _registered = [];
    private GpioController? _controller;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var inputs = options.Value.Gpio.Inputs;
        if (inputs.Count == 0)
            return Task.CompletedTask;
        _controller = services.GetRequiredService<GpioController>();
        foreach (var input in inputs)
        {
            var targets = input.Cameras.Count == 0
                ? cameras.Cameras
                : [.. cameras.Cameras.Where(c => input.Cameras.Contains(c.Name, StringComparer.OrdinalIgnoreCase))];
            var debounce = TimeSpan.FromMilliseconds(input.DebounceMilliseconds);
            long lastAccepted = 0;
            var name = string.IsNullOrEmpty(input.Name) ? $"GPIO{input.Pin}" : input.Name;
            _controller.OpenPin(input.Pin, input.ActiveLow ? PinMode.InputPullUp : PinMode.InputPullDown);
            PinChangeEventHandler handler = (_, _) =>
            {
                var now = time.GetTimestamp();
                var last = Interlocked.Read(ref lastAccepted);
                if (last != 0 && time.GetElapsedTime(last, now) < debounce)
                    return;
                Interlocked.Exchange(ref lastAccepted, now);
                logger.LogInformation("Input {Input} fired: triggering gpio tasks of {Cameras}", name, string.Join(", ", targets.Select(c => c.Name)));
                foreach (var camera in targets)
                    camera.FireGpio();
                signal.Set();
            };
            _controller.RegisterCallbackForPinValueChangedEvent(input.Pin, input.ActiveLow ? PinEventTypes.Falling : PinEventTypes.Rising, handler);
            _registered.Add((input.Pin, handler));
            logger.LogInformation("Input {Input} on GPIO {Pin} ({Edge} edge, {Debounce} ms debounce)", name, input.Pin, input.ActiveLow ? "falling" : "rising", input.DebounceMilliseconds);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (pin, handler) in _registered)
        {
            _controller!.UnregisterCallbackForPinValueChangedEvent(pin, handler);
            _controller.ClosePin(pin);
        }

        _registered.Clear();
        return Task.CompletedTask;
    }
}
