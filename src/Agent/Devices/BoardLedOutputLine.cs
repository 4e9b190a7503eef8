using Iot.Device.BoardLed;

namespace EdgePali.Agent.Devices;

/// <summary>A board LED under /sys/class/leds (Iot.Device.BoardLed); its kernel trigger is set to "none" so the rule owns it.</summary>
public sealed class BoardLedOutputLine : IOutputLine
{
    private readonly BoardLed _led;

    public BoardLedOutputLine(string name)
    {
        _led = new BoardLed(name) { Trigger = "none" };
    }

    public void Switch(bool isOn) => _led.Brightness = isOn ? _led.MaxBrightness : 0;

    public void Dispose()
    {
        Switch(false);
        _led.Dispose();
    }
}
