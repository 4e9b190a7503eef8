using EdgePali.Agent.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace EdgePali.Agent.Http;

/// <summary>
/// The HTTP server inside the worker's own host (Kestrel, minimal APIs), so the API, the status page and /metrics see
/// the same cameras, model and queues as the pipeline. Started before the pipeline's services (the model load can
/// take a minute, during which /readyz says why it is not ready) and stopped after them.
/// </summary>
public static class HttpHostBuilderExtensions
{
    public static IHostBuilder UseEdgePaliHttp(this IHostBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.ConfigureServices(services => AddOptions(services, configuration));
        var section = configuration.GetSection(HttpOptions.Section);
        // A malformed value is reported by the configuration check before the host is built; here it only means "on".
        if (bool.TryParse(section["Enabled"], out var enabled) && !enabled)
            return builder;

        return builder.ConfigureWebHost(web => web
            .UseKestrel()
            .UseUrls(string.IsNullOrWhiteSpace(section["Urls"]) ? HttpOptions.DefaultUrls : section["Urls"]!)
            .SuppressStatusMessages(true)
            .ConfigureServices(services =>
            {
                services.AddRouting();
                services.AddSingleton<HttpModelRequests>();
                services.AddOptions<KestrelServerOptions>().Configure<IOptions<HttpOptions>>((kestrel, http) =>
                {
                    kestrel.Limits.MaxRequestBodySize = http.Value.MaxRequestBytes;
                    kestrel.AddServerHeader = false;
                });
            })
            .Configure(app =>
            {
                var options = app.ApplicationServices.GetRequiredService<IOptions<HttpOptions>>().Value;
                var apiKey = new ApiKeyCheck(options.ResolvedApiKey);
                app.Use(apiKey.InvokeAsync);
                app.UseRouting();
                app.UseEndpoints(MapEndpoints);
            }));
    }

    private static void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", HealthEndpoints.Live);
        endpoints.MapGet("/readyz", HealthEndpoints.Ready);
        endpoints.MapGet("/v1/models", ChatCompletionEndpoint.Models);
        endpoints.MapPost("/v1/chat/completions", ChatCompletionEndpoint.HandleAsync);
        endpoints.MapGet("/", StatusEndpoints.StatusPage);
        endpoints.MapGet("/api/status", StatusEndpoints.Status);
        endpoints.MapGet("/api/cameras/{camera}/snapshot.jpg", StatusEndpoints.Snapshot);
        endpoints.MapGet("/api/results", StatusEndpoints.Search);
        endpoints.MapGet("/api/results/{seq:long}/thumbnail.jpg", StatusEndpoints.Thumbnail);
        // The collector registers itself with the registry: resolving it here starts the stats feeding /metrics.
        var metrics = endpoints.ServiceProvider.GetRequiredService<Metrics.MetricsRegistry>();
        _ = endpoints.ServiceProvider.GetRequiredService<Metrics.AgentMetricsCollector>();
        endpoints.MapMetrics("/metrics", metrics.Registry);
    }

    private static void AddOptions(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HttpOptions>()
            .Bind(configuration.GetSection(HttpOptions.Section))
            .PostConfigure(ReadApiKey)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HttpOptions>, HttpOptionsValidator>();
    }

    /// <summary>Http:ApiKeyFile may name a systemd credential (${CREDENTIALS_DIRECTORY}/http-api-key), read once here.</summary>
    private static void ReadApiKey(HttpOptions options)
    {
        options.ResolvedApiKey = options.ApiKey;
        if (string.IsNullOrEmpty(options.ApiKeyFile))
            return;
        options.ApiKeyFile = SecretFile.ExpandPath(options.ApiKeyFile);
        try
        {
            options.ResolvedApiKey = SecretFile.ReadFirstLine(options.ApiKeyFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Reported by HttpOptionsValidator (missing file, no credentials directory).
        }
    }
}
