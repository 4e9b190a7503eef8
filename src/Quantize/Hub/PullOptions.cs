namespace EdgePali.Quantize.Hub;

/// <summary>What to pull and where: one repository at one revision, optionally only the files matching some globs.</summary>
internal sealed record PullOptions
{
    public required HubRepoId Repo { get; init; }

    /// <summary>Branch, tag or commit sha; resolved to a commit before anything is downloaded.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Glob patterns (see <see cref="FileGlob"/>); empty selects every file.</summary>
    public IReadOnlyList<string> Patterns { get; init; } = [];

    public required string OutputDirectory { get; init; }

    public required Uri Endpoint { get; init; }

    public HubToken? Token { get; init; }

    /// <summary>Files downloaded at once: several small files finish sooner in parallel, large ones share the link.</summary>
    public int Parallelism { get; init; } = 4;

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>How long to wait for the headers of a response.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a transfer may go without a single byte before it counts as a (transient) failure.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
