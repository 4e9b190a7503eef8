namespace EdgePali.Quantize.Tests.Support;

/// <summary>One request the server saw: what kind, for which file, and its Range and Authorization headers.</summary>
internal sealed record RecordedRequest(string Kind, string? Repo, string? FilePath, string PathAndQuery, string? Range, string? Authorization);
