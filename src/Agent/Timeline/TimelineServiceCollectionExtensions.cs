using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Timeline;

/// <summary>
/// Registers the status page's newest results and the timeline database as a result publisher and <see cref="IResultSearch"/>
/// (the Timeline section itself is bound with the other sections, Hosting/OptionsSections).
/// </summary>
public static class TimelineServiceCollectionExtensions
{
    public static IServiceCollection AddEdgePaliTimeline(this IServiceCollection services)
    {
        services.AddSingleton<LatestResults>();
        services.AddSingleton<TimelineStore>();
        services.AddSingleton(sp => new TimelinePublisher(
            sp.GetRequiredService<LatestResults>(),
            sp.GetRequiredService<IOptions<TimelineOptions>>().Value.Enabled ? sp.GetRequiredService<TimelineStore>() : null));
        services.AddSingleton<Publishing.IResultPublisher>(sp => sp.GetRequiredService<TimelinePublisher>());
        services.AddSingleton<IResultSearch>(sp => sp.GetRequiredService<TimelinePublisher>());
        return services;
    }
}
