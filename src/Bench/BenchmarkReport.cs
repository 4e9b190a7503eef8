using System.Text.Json.Serialization;

namespace EdgePali.Bench;

/// <summary>Everything one `edgepali-bench` measured; serialised as-is (snake_case) for --json.</summary>
public sealed record BenchmarkReport(
    MachineDescription Machine,
    BenchSettings Settings,
    BenchModelDescription Model,
    [property: JsonPropertyName("edgepali")] EdgePaliFigures EdgePali,
    BandwidthBound Bandwidth,
    TransformersJsFigures? TransformersJs,
    TransformersJsRatios? Ratios,
    BenchmarkPackage.BuildCost? PackageBuild,
    IReadOnlyList<double> LoadAverageAtEnd,
    MultiTaskFigures? MultiTask = null);
