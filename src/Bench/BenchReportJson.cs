using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePali.Bench;

/// <summary>The --json form of a <see cref="BenchmarkReport"/>: snake_case names, enums as strings, indented.</summary>
public static class BenchReportJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(BenchmarkReport report) => JsonSerializer.Serialize(report, Options);
}
