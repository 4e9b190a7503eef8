namespace EdgePali.Agent.Devices;

/// <summary>Something a rule switches on and off: a GPIO pin or a board LED.</summary>
public interface IOutputLine : IDisposable
{
    void Switch(bool isOn);
}
