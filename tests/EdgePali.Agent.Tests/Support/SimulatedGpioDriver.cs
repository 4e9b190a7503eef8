using System.Device.Gpio;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A GPIO driver for a board that is not here: pins hold values in memory, <see cref="Drive"/> plays an
/// external signal (a PIR sensor, a button) on an input and raises the edge callbacks a real driver would.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _values = [];
    private readonly Dictionary<int, List<(PinEventTypes Events, PinChangeEventHandler Handler)>> _callbacks = [];
    private readonly Lock _lock = new();

    /// <summary>Every value written to an output pin, in order.</summary>
    public List<(int Pin, PinValue Value)> Writes { get; } = [];

    /// <summary>Sets an input's level from outside and raises the matching edge callbacks.</summary>
    public void Drive(int pin, PinValue value)
    {
        List<PinChangeEventHandler> handlers;
        PinEventTypes edge;
        lock (_lock)
        {
            var old = _values.GetValueOrDefault(pin, PinValue.Low);
            _values[pin] = value;
            if (old == value)
                return;
            edge = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = [.. _callbacks.GetValueOrDefault(pin, []).Where(c => (c.Events & edge) != 0).Select(c => c.Handler)];
        }

        foreach (var handler in handlers)
            handler(this, new PinValueChangedEventArgs(edge, pin));
    }

    public PinValue ValueOf(int pin)
    {
        lock (_lock)
            return _values.GetValueOrDefault(pin, PinValue.Low);
    }

    public PinMode? ModeOf(int pin)
    {
        lock (_lock)
            return _modes.TryGetValue(pin, out var mode) ? mode : null;
    }

    protected override int PinCount => 28;

    protected override void OpenPin(int pinNumber)
    {
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_lock)
            _modes.Remove(pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_lock)
        {
            _modes[pinNumber] = mode;
            if (mode == PinMode.InputPullUp)
                _values[pinNumber] = PinValue.High;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => ModeOf(pinNumber) ?? PinMode.Input;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => ValueOf(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_lock)
        {
            _values[pinNumber] = value;
            Writes.Add((pinNumber, value));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The worker uses callbacks, not blocking waits.");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_lock)
        {
            if (!_callbacks.TryGetValue(pinNumber, out var list))
                _callbacks[pinNumber] = list = [];
            list.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_lock)
            _callbacks.GetValueOrDefault(pinNumber)?.RemoveAll(c => c.Handler == callback);
    }
}
