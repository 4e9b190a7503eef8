using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Options.Validation;

/// <summary>Checks the small output and health sections: "Snapshots", "ResultLog", "Health".</summary>
internal sealed class OutputOptionsValidator : IValidateOptions<SnapshotOptions>, IValidateOptions<ResultLogOptions>, IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, SnapshotOptions options)
    {
        var errors = new List<string>();
        if (options.Height is < 0 or > 4320)
            errors.Add($"Snapshots:Height: must be 0 (frame size) to 4320 pixels (got {options.Height}). Set e.g. 360.");
        if (options.Quality is < 1 or > 100)
            errors.Add($"Snapshots:Quality: must be a JPEG quality 1..100 (got {options.Quality}). Set e.g. 70.");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, ResultLogOptions options)
    {
        var errors = new List<string>();
        if (options.MaxBytes < 4096)
            errors.Add($"ResultLog:MaxBytes: must be at least 4096 (got {options.MaxBytes}). Set e.g. 10485760 (10 MiB).");
        if (options.MaxFiles < 1)
            errors.Add($"ResultLog:MaxFiles: must be at least 1 (got {options.MaxFiles}).");
        return Result(errors);
    }

    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var errors = new List<string>();
        if (!(options.CaptureStallSeconds > 0))
            errors.Add($"Health:CaptureStallSeconds: must be more than 0 (got {options.CaptureStallSeconds}). Set e.g. 60.");
        if (!(options.AnalysisStallSeconds > 0))
            errors.Add($"Health:AnalysisStallSeconds: must be more than 0 (got {options.AnalysisStallSeconds}). Set e.g. 600.");
        if (options.MaxConsecutiveFailedAnalyses < 1)
            errors.Add($"Health:MaxConsecutiveFailedAnalyses: must be 1 or more (got {options.MaxConsecutiveFailedAnalyses}). Set e.g. 5.");
        return Result(errors);
    }

    private static ValidateOptionsResult Result(List<string> errors) =>
        errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
}
