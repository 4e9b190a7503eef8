using System.Device.Gpio;

namespace EdgePali.Agent.Devices;

/// <summary>A GPIO output pin; "on" is high, or low for active-low wiring.</summary>
public sealed class GpioOutputLine : IOutputLine
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly bool _activeLow;

    public GpioOutputLine(GpioController controller, int pin, bool activeLow)
    {
        (_controller, _pin, _activeLow) = (controller, pin, activeLow);
        _controller.OpenPin(pin, PinMode.Output, activeLow ? PinValue.High : PinValue.Low);
    }

    public void Switch(bool isOn) => _controller.Write(_pin, isOn != _activeLow ? PinValue.High : PinValue.Low);

    public void Dispose()
    {
        Switch(false);
        _controller.ClosePin(_pin);
    }
}
