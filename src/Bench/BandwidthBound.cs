namespace EdgePali.Bench;

/// <summary>Decode against the memory-bandwidth bound: each token must stream <see cref="BytesPerToken"/> from DRAM.</summary>
/// <param name="BoundTokensPerSecond">Bandwidth / bytes per token: no batch-1 decoder can beat it on this machine.</param>
/// <param name="DecodePercentOfBound">EdgePali's median decode rate as a percentage of the bound.</param>
public sealed record BandwidthBound(
    double GigabytesPerSecond,
    long BufferBytes,
    int Threads,
    long BytesPerToken,
    double BoundTokensPerSecond,
    double DecodePercentOfBound);
