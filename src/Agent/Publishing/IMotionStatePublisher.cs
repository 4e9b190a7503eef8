namespace EdgePali.Agent.Publishing;

/// <summary>
/// Told by the motion gate when a camera's motion starts and ends (edges only, not per frame), so that
/// dashboards (Home Assistant's motion binary_sensor) follow it. Implementations return at once.
/// </summary>
public interface IMotionStatePublisher
{
    void MotionChanged(string camera, bool active);
}
