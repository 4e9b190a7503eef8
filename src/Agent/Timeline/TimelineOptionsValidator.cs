using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Timeline;

internal sealed class TimelineOptionsValidator : IValidateOptions<TimelineOptions>
{
    public ValidateOptionsResult Validate(string? name, TimelineOptions options)
    {
        var failures = new List<string>();
        if (!(options.MaxAgeHours > 0))
            failures.Add($"Timeline:MaxAgeHours = {options.MaxAgeHours}: give a positive number of hours (e.g. 168 for a week).");
        if (!(options.MaxMegabytes >= 1))
            failures.Add($"Timeline:MaxMegabytes = {options.MaxMegabytes}: give at least 1 (megabytes of results and thumbnails to keep).");
        if (options.ThumbnailWidth is < 0 or > 1920)
            failures.Add($"Timeline:ThumbnailWidth = {options.ThumbnailWidth}: give 0 (no thumbnails) to 1920 pixels.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
