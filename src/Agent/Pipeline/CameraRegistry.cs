using EdgePali.Agent.Options;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Pipeline;

/// <summary>The configured cameras' runtimes, in configuration order.</summary>
internal sealed class CameraRegistry(IOptions<CamerasOptions> options)
{
    public IReadOnlyList<CameraRuntime> Cameras { get; } = [.. options.Value.Items.Select(c => new CameraRuntime(c))];

    public CameraRuntime? Find(string name) => Cameras.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}
