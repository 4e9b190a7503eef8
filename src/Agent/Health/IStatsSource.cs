namespace EdgePali.Agent.Health;

/// <summary>The worker's running figures, read periodically by the stats publishers (MQTT `{prefix}/{device}/stats`).</summary>
public interface IStatsSource
{
    /// <summary>A consistent snapshot; cheap, called from a timer.</summary>
    AgentStats GetStats();
}
