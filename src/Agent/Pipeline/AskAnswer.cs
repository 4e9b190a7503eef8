using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Pipeline;

/// <summary>The analysis of a camera's newest frame made for an `ask` command.</summary>
/// <param name="Result">The engine's typed result.</param>
/// <param name="FrameTimestamp">When the analysed frame was captured (UTC).</param>
/// <param name="FrameWidth">Frame width in pixels.</param>
/// <param name="FrameHeight">Frame height in pixels.</param>
/// <param name="Model">The model package's name and variant, as in <see cref="PublishedResult.Model"/>.</param>
public sealed record AskAnswer(AnalysisResult Result, DateTimeOffset FrameTimestamp, int FrameWidth, int FrameHeight, string Model);
