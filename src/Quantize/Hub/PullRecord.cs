using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgePali.Quantize.Hub;

/// <summary>
/// The record a pull leaves next to the files (<see cref="FileName"/>): which repository, revision and commit they
/// came from and each file's size and checksum, so a package can be traced to its source and re-pulled exactly
/// (<c>--revision COMMIT</c>). It never contains the token.
/// </summary>
internal sealed record PullRecord(
    string Repo,
    string Endpoint,
    string Revision,
    string Commit,
    DateTimeOffset PulledAtUtc,
    IReadOnlyList<string> Patterns,
    IReadOnlyList<HubFile> Files)
{
    public const string FileName = "hub-source.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static PullRecord From(HubSnapshot snapshot, Uri endpoint, IReadOnlyList<string> patterns, IReadOnlyList<HubFile> files, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(files);
        return new PullRecord(snapshot.Repo.Value, endpoint.ToString().TrimEnd('/'), snapshot.RequestedRevision, snapshot.Commit, now, patterns, files);
    }

    /// <summary>Writes the record atomically (temporary file, then rename) into <paramref name="directory"/>.</summary>
    public async Task<string> WriteAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".partial";
        await using (var stream = File.Create(temporary))
            await JsonSerializer.SerializeAsync(stream, this, Json, cancellationToken);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
