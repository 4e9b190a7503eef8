namespace EdgePali.Bench;

/// <summary>
/// `edgepali-bench --tasks`: several tasks on one frame, with eos honoured (answers end where the model or the grammar
/// ends them, as in the worker) and each task's default token limit.
/// </summary>
/// <param name="Tasks">The task prompts, in the order they run.</param>
/// <param name="SharedMs">Encode once, then every task's language model on those features (the worker's way).</param>
/// <param name="SeparateMs">Every task on the frame on its own: one encode per task.</param>
/// <param name="VisionEncodesShared">Vision encoder runs per frame, shared (the engine's own count; 1 expected).</param>
/// <param name="VisionEncodesSeparate">Vision encoder runs per frame, separate (one per task).</param>
/// <param name="Constrained">Per detect/segment task: tokens generated and decode time with and without constrained decoding.</param>
public sealed record MultiTaskFigures(
    IReadOnlyList<string> Tasks,
    SampleSummary SharedMs,
    SampleSummary SeparateMs,
    long VisionEncodesShared,
    long VisionEncodesSeparate,
    IReadOnlyList<ConstrainedDecodingFigures> Constrained);

/// <summary>One detect or segment task generated freely and under constrained decoding (greedy, same frame).</summary>
/// <param name="TokenLimit">The task's token limit (eos included).</param>
/// <param name="FreeTokens">Tokens generated unconstrained (eos excluded).</param>
/// <param name="ConstrainedTokens">Tokens generated constrained (eos excluded).</param>
/// <param name="TokensSaved">FreeTokens - ConstrainedTokens.</param>
/// <param name="FreeObjects">Objects parsed from the free answer.</param>
/// <param name="ConstrainedObjects">Objects parsed from the constrained answer.</param>
/// <param name="FreeMalformed">Whether the free answer had malformed parts the parser skipped.</param>
/// <param name="FreeDecodeMs">Decode time of the free answer.</param>
/// <param name="ConstrainedDecodeMs">Decode time of the constrained answer.</param>
public sealed record ConstrainedDecodingFigures(
    string Task,
    int TokenLimit,
    int FreeTokens,
    int ConstrainedTokens,
    int TokensSaved,
    int FreeObjects,
    int ConstrainedObjects,
    bool FreeMalformed,
    SampleSummary FreeDecodeMs,
    SampleSummary ConstrainedDecodeMs);
