using System.Text.Json;
using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

/// <summary>`pull` against a real HTTP server with the Hub's URL layout (<see cref="LocalHubServer"/>); never the real Hub.</summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class HubPullerTests : IClassFixture<ModelRepoFixture>, IDisposable
{
    private const string RepoId = "edge-tests/tiny-paligemma";
    private readonly ModelRepoFixture _source;
    private readonly string _work = Directory.CreateTempSubdirectory("edgepali-pull-").FullName;
    // A bound on every pull, so that a hang fails the test instead of stalling the run.
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    public HubPullerTests(ModelRepoFixture source) => _source = source;

    private string Out => Path.Combine(_work, "out");

    public void Dispose()
    {
        _timeout.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Pull_WholeRepository_EveryFileMatchesByteForByte_AndTheCommitIsPinned()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);

        var result = await PullAsync(server);

        Assert.Equal(repo.Files.Select(f => f.Path), result.Files.Select(f => f.Path));
        AssertSameFiles(repo.Files.Select(f => f.Path));
        Assert.Equal(repo.Files.Count, result.Downloaded);
        Assert.Empty(Directory.EnumerateFiles(Out, "*.partial", SearchOption.AllDirectories));
        // The tree had to be read page by page (3 entries a page) to find every file.
        Assert.True(server.Requests.Count(r => r.Kind == "tree") > 3);
        // LFS files came from the CDN listener after the Hub's redirect; small files straight from the Hub.
        Assert.All(repo.Files.Where(f => f.IsLfs), f => Assert.Single(server.ContentRequests(f.Path), r => r.Kind == "cdn"));
        Assert.All(repo.Files.Where(f => !f.IsLfs), f => Assert.DoesNotContain(server.ContentRequests(f.Path), r => r.Kind == "cdn"));

        using var record = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Out, PullRecord.FileName)));
        Assert.Equal(repo.Commit, record.RootElement.GetProperty("commit").GetString());
        Assert.Equal("main", record.RootElement.GetProperty("revision").GetString());
        Assert.Equal(RepoId, record.RootElement.GetProperty("repo").GetString());
        var recorded = record.RootElement.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("path").GetString()!);
        var decoder = repo.Files.Single(f => f.Path == "onnx/decoder_model_merged_int8.onnx");
        Assert.Equal(decoder.Sha256, recorded[decoder.Path].GetProperty("sha256").GetString());
        Assert.Equal(decoder.Size, recorded[decoder.Path].GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task Pull_Again_LeavesVerifiedFilesAlone_AndRedownloadsOnlyAChangedOne()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);
        await PullAsync(server);
        var config = Path.Combine(Out, "config.json");
        await File.WriteAllTextAsync(config, "{\"edited\": true}\n");
        var before = server.ContentRequests().Count;

        var progress = new RecordingPullProgress();
        var again = await PullAsync(server, progress: progress);

        Assert.Equal(1, again.Downloaded);
        Assert.Equal(repo.Files.Count - 1, again.AlreadyPresent);
        Assert.Equal("config.json", Assert.Single(server.ContentRequests().Skip(before)).FilePath);
        AssertSameFiles(repo.Files.Select(f => f.Path));
    }

    [Fact]
    public async Task Pull_WithGlobs_DownloadsOnlyTheMatchingFiles()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);

        var result = await PullAsync(server, patterns: ["onnx/*_int8*", "config.json"]);

        string[] expected = ["config.json", "onnx/decoder_model_merged_int8.onnx", "onnx/embed_tokens_int8.onnx", "onnx/vision_encoder_int8.onnx"];
        Assert.Equal(expected, result.Files.Select(f => f.Path).ToArray());
        AssertSameFiles(expected);
        var onDisk = Directory.EnumerateFiles(Out, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Out, f).Replace('\\', '/'))
            .Where(f => f != PullRecord.FileName)
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, onDisk.ToArray());
        Assert.Equal(expected, server.ContentRequests().Where(r => r.Kind == "resolve").Select(r => r.FilePath).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Pull_GlobThatMatchesNothing_FailsNamingThePattern_BeforeDownloading()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, patterns: ["onnx/*_int8*", "onnx/*_fp16*"]));

        Assert.Equal(HubErrorKind.InvalidInput, error.Kind);
        Assert.Contains("'onnx/*_fp16*'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'onnx/*_int8*'", error.Message, StringComparison.Ordinal);
        Assert.Contains("onnx/vision_encoder.onnx", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.ContentRequests());
    }

    [Fact]
    public async Task Pull_ConnectionDroppedMidFile_ResumesWithARangeRequest_AndTheFileIsCorrect()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        const string Decoder = "onnx/decoder_model_merged_int8.onnx";
        const long DropAt = 1_000_000;
        server.DropConnection(Decoder, DropAt);
        var progress = new RecordingPullProgress();

        await PullAsync(server, patterns: [Decoder], progress: progress);

        var cdn = server.ContentRequests(Decoder).Where(r => r.Kind == "cdn").ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        var resumedAt = ParseRangeStart(cdn[1].Range);
        Assert.InRange(resumedAt, 1, DropAt);
        // Only the missing bytes were transferred a second time.
        Assert.Equal(new FileInfo(Path.Combine(_source.Folder, Decoder)).Length, progress.BytesByFile[Decoder]);
        Assert.Contains(progress.Events, e => e.StartsWith($"retrying {Decoder}", StringComparison.Ordinal));
        AssertSameFiles([Decoder]);
        Assert.False(File.Exists(Path.Combine(Out, Decoder + ".partial")));
    }

    [Fact]
    public async Task Pull_PartialFileFromAnEarlierRun_IsResumedWithARangeRequest()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        const string Vision = "onnx/vision_encoder.onnx";
        var source = await File.ReadAllBytesAsync(Path.Combine(_source.Folder, Vision));
        Directory.CreateDirectory(Path.Combine(Out, "onnx"));
        await File.WriteAllBytesAsync(Path.Combine(Out, Vision + ".partial"), source[..600_000]);
        var progress = new RecordingPullProgress();

        await PullAsync(server, patterns: [Vision], progress: progress);

        var cdn = Assert.Single(server.ContentRequests(Vision), r => r.Kind == "cdn");
        Assert.Equal("bytes=600000-", cdn.Range);
        Assert.Contains($"started {Vision} 600000", progress.Events);
        Assert.Equal(source.Length - 600_000, progress.BytesByFile[Vision]);
        AssertSameFiles([Vision]);
    }

    [Fact]
    public async Task Pull_StalePartialFileThatDoesNotVerify_IsDiscarded_AndTheFileDownloadedAfresh()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        const string Vision = "onnx/vision_encoder_int8.onnx";
        Directory.CreateDirectory(Path.Combine(Out, "onnx"));
        await File.WriteAllBytesAsync(Path.Combine(Out, Vision + ".partial"), new byte[200_000]);
        var progress = new RecordingPullProgress();

        await PullAsync(server, patterns: [Vision], progress: progress);

        var ranges = server.ContentRequests(Vision).Where(r => r.Kind == "cdn").Select(r => r.Range).ToArray();
        Assert.Equal(new string?[] { "bytes=200000-", null }, ranges);
        Assert.Contains(progress.Events, e => e.StartsWith($"restarted {Vision}", StringComparison.Ordinal));
        AssertSameFiles([Vision]);
    }

    [Fact]
    public async Task Pull_CorruptContent_IsReportedAsAChecksumMismatch_AndNoFileIsLeft()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);
        const string Embed = "onnx/embed_tokens_int8.onnx";
        repo.Corrupt(Embed);
        repo.Corrupt("config.json");

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server));

        Assert.Equal(HubErrorKind.ChecksumMismatch, error.Kind);
        var sha256 = repo.Files.Single(f => f.Path == Embed).Sha256;
        Assert.Contains($"{Embed}: the downloaded bytes have sha256 ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"the Hub lists {sha256}", error.Message, StringComparison.Ordinal);
        Assert.Contains("config.json: the downloaded bytes have git blob id", error.Message, StringComparison.Ordinal);
        Assert.Contains("deleted", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 of ", error.Message, StringComparison.Ordinal);
        foreach (var path in new[] { Embed, "config.json" })
        {
            Assert.False(File.Exists(Path.Combine(Out, path)));
            Assert.False(File.Exists(Path.Combine(Out, path + ".partial")));
        }

        // The good files still arrived; no record pins an incomplete pull.
        AssertSameFiles(repo.Files.Select(f => f.Path).Where(p => p is not Embed and not "config.json"));
        Assert.False(File.Exists(Path.Combine(Out, PullRecord.FileName)));
    }

    [Fact]
    public async Task Pull_ListingThatDisagreesWithTheDownloadHeaders_FailsThatFileBeforeWritingIt()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);
        const string Embed = "onnx/embed_tokens_int8.onnx";
        repo.ClaimSize(Embed, 300_001);
        var progress = new RecordingPullProgress();

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, patterns: ["onnx/*_int8*"], progress: progress));

        Assert.Equal(HubErrorKind.InvalidResponse, error.Kind);
        Assert.Contains($"The Hub's headers give {Embed} 300000 bytes, its file list 300001", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 of 3 files failed", error.Message, StringComparison.Ordinal);
        Assert.False(progress.BytesByFile.ContainsKey(Embed));
        Assert.Contains(progress.Events, e => e.StartsWith($"failed {Embed}", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(Out, Embed + ".partial")));
        AssertSameFiles(["onnx/vision_encoder_int8.onnx", "onnx/decoder_model_merged_int8.onnx"]);
    }

    [Fact]
    public async Task Pull_GatedModelWithoutToken_SaysToAcceptTheLicenceAndPassAToken()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder, gatedToken: "hf_GatedSecret123");

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server));

        Assert.Equal(HubErrorKind.GatedRepo, error.Kind);
        Assert.Contains("gated", error.Message, StringComparison.Ordinal);
        Assert.Contains("accept the licence", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{server.Endpoint}/{RepoId}", error.Message, StringComparison.Ordinal);
        Assert.Contains("--token-file", error.Message, StringComparison.Ordinal);
        Assert.Contains(server.ContentRequests(), r => r.Kind == "resolve" && r.Authorization is null);
        Assert.DoesNotContain(server.ContentRequests(), r => r.Kind == "cdn");
    }

    [Fact]
    public async Task Pull_GatedModelWithToken_Succeeds_AndTheTokenGoesToTheHubOnly()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder, gatedToken: "hf_GatedSecret123");
        var tokenFile = Path.Combine(_work, "token");
        await File.WriteAllTextAsync(tokenFile, "hf_GatedSecret123\n");

        await PullAsync(server, token: HubToken.FromFile(tokenFile));

        AssertSameFiles(repo.Files.Select(f => f.Path));
        var hubRequests = server.Requests.Where(r => r.Kind != "cdn").ToList();
        Assert.All(hubRequests, r => Assert.Equal("Bearer hf_GatedSecret123", r.Authorization));
        // The CDN a redirect points at is another host: it must never see the token.
        var cdn = server.Requests.Where(r => r.Kind == "cdn").ToList();
        Assert.NotEmpty(cdn);
        Assert.All(cdn, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task Pull_GatedModelWithATokenThatHasNoAccess_SaysTheAccountMustAcceptTheLicence()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder, gatedToken: "hf_GatedSecret123");

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, token: HubToken.FromText("hf_OtherAccount456", "test")));

        Assert.Equal(HubErrorKind.GatedRepo, error.Kind);
        Assert.Contains("account that owns your token has not been granted access", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hf_OtherAccount456", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_UnknownRepository_SaysNotFound_WithAndWithoutToken()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);

        var anonymous = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, repo: "edge-tests/no-such-model"));
        var withToken = await Assert.ThrowsAsync<HubException>(() =>
            PullAsync(server, repo: "edge-tests/no-such-model", token: HubToken.FromText("hf_Secret", "test")));

        Assert.Equal(HubErrorKind.RepoNotFound, anonymous.Kind);
        Assert.Contains("edge-tests/no-such-model was not found", anonymous.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 401", anonymous.Message, StringComparison.Ordinal);
        Assert.Contains("pass a token", anonymous.Message, StringComparison.Ordinal);
        Assert.Equal(HubErrorKind.RepoNotFound, withToken.Kind);
        Assert.Contains("HTTP 404", withToken.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Fact]
    public async Task Pull_UnknownRevision_SaysTheRevisionDoesNotExist()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, revision: "v9-does-not-exist"));

        Assert.Equal(HubErrorKind.RevisionNotFound, error.Kind);
        Assert.Contains("Revision 'v9-does-not-exist' does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("--revision", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_AtACommitSha_DownloadsFromThatCommit()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);

        var result = await PullAsync(server, revision: repo.Commit, patterns: ["*.json"]);

        Assert.Equal(repo.Commit, result.Snapshot.Commit);
        var resolved = server.ContentRequests().Where(r => r.Kind == "resolve").ToList();
        Assert.Equal(2, resolved.Count);
        Assert.All(resolved, r => Assert.StartsWith($"/{RepoId}/resolve/{repo.Commit}/", r.PathAndQuery, StringComparison.Ordinal));
        AssertSameFiles(["config.json", "tokenizer.json"]);
    }

    [Fact]
    public async Task Pull_TransientServerErrors_AreRetriedWithBackoff()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        server.FailInfoRequests(2);
        var progress = new RecordingPullProgress();

        await PullAsync(server, patterns: ["config.json"], progress: progress);

        Assert.Equal(3, server.Requests.Count(r => r.Kind == "info"));
        Assert.Equal(2, progress.Events.Count(e => e.StartsWith("retrying metadata", StringComparison.Ordinal) && e.Contains("503", StringComparison.Ordinal)));
        AssertSameFiles(["config.json"]);
    }

    [Fact]
    public async Task Pull_ServerThatKeepsFailing_GivesUpWithAClearError()
    {
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        server.FailInfoRequests(100);

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server));

        Assert.Equal(HubErrorKind.Unavailable, error.Kind);
        Assert.Contains("after 4 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, server.Requests.Count(r => r.Kind == "info"));
    }

    [Fact]
    public async Task Pull_MoreThanTheDiskHolds_IsRefusedBeforeDownloading()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);
        repo.ClaimSize("onnx/decoder_model_merged.onnx", 1L << 60);

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server));

        Assert.Equal(HubErrorKind.DiskFull, error.Kind);
        Assert.Contains("free on the disk holding", error.Message, StringComparison.Ordinal);
        Assert.Empty(server.ContentRequests());
    }

    [Fact]
    public async Task Pull_DiskFillingUpDuringAFile_SaysTheDiskIsFull()
    {
        Assert.True(OperatingSystem.IsLinux(), "The disk-full test writes to /dev/full, which Linux provides.");
        await using var server = LocalHubServer.Start();
        server.AddRepo(RepoId, _source.Folder);
        const string Vision = "onnx/vision_encoder_int8.onnx";
        Directory.CreateDirectory(Path.Combine(Out, "onnx"));
        // The kernel's /dev/full fails every write with ENOSPC, exactly as a full disk does.
        File.CreateSymbolicLink(Path.Combine(Out, Vision + ".partial"), "/dev/full");

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server, patterns: [Vision]));

        Assert.Equal(HubErrorKind.DiskFull, error.Kind);
        Assert.Contains("The disk is full", error.Message, StringComparison.Ordinal);
        Assert.Contains("resumes", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Out, Vision)));
    }

    [Fact]
    public async Task Pull_ListingWithAPathOutsideTheFolder_IsRefused()
    {
        await using var server = LocalHubServer.Start();
        var repo = server.AddRepo(RepoId, _source.Folder);
        repo.ListExtra("onnx/../../escaped.txt");

        var error = await Assert.ThrowsAsync<HubException>(() => PullAsync(server));

        Assert.Equal(HubErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("unsafe path", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "escaped.txt")));
        Assert.Empty(server.ContentRequests());
    }

    private Task<PullResult> PullAsync(LocalHubServer server, string repo = RepoId, string revision = "main", string[]? patterns = null,
        HubToken? token = null, RecordingPullProgress? progress = null) =>
        HubPuller.PullAsync(new PullOptions
        {
            Repo = HubRepoId.Parse(repo),
            Revision = revision,
            Patterns = patterns ?? [],
            OutputDirectory = Out,
            Endpoint = new Uri(server.Endpoint),
            Token = token,
            Retry = new RetryPolicy(4, TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50)),
            ResponseTimeout = TimeSpan.FromSeconds(20),
            StallTimeout = TimeSpan.FromSeconds(20),
        }, progress ?? new RecordingPullProgress(), _timeout.Token);

    private void AssertSameFiles(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var expected = File.ReadAllBytes(Path.Combine(_source.Folder, path));
            var actual = File.ReadAllBytes(Path.Combine(Out, path));
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{path} differs from the served file");
        }
    }

    private static long ParseRangeStart(string? range)
    {
        Assert.NotNull(range);
        Assert.StartsWith("bytes=", range, StringComparison.Ordinal);
        Assert.EndsWith("-", range, StringComparison.Ordinal);
        return long.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
