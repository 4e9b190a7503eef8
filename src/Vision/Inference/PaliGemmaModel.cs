using EdgePali.Vision.Packages;
using Microsoft.Extensions.Logging;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The loaded model: package, configuration and one session per part. Immutable and shared by every
/// generation (ORT GenAI's Model); mutable per-generation data lives in <see cref="GenerationState"/>.
/// Built only after every graph has been checked against config.json.
/// </summary>
public sealed class PaliGemmaModel : IDisposable
{
    private PaliGemmaModel(ModelPackage package, ModelSession vision, ModelSession embed, ModelSession decoder)
    {
        Package = package;
        VisionEncoder = vision;
        EmbedTokens = embed;
        Decoder = decoder;
    }

    /// <summary>The package the sessions were created from.</summary>
    public ModelPackage Package { get; }

    /// <summary>The package's configuration.</summary>
    public PaliGemmaConfig Config => Package.Config;

    /// <summary>Runs pixel_values -> image_features once per frame.</summary>
    public ModelSession VisionEncoder { get; }

    /// <summary>Runs input_ids -> inputs_embeds for the prompt and each generated token.</summary>
    public ModelSession EmbedTokens { get; }

    /// <summary>Runs the prefill and every decode step.</summary>
    public ModelSession Decoder { get; }

    /// <summary>Creates the three sessions and validates their inputs and outputs against the configuration.</summary>
    /// <exception cref="ModelPackageException">A graph is corrupt or does not match config.json.</exception>
    public static PaliGemmaModel Load(ModelPackage package, SessionFactory sessions, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(logger);
        var created = new List<ModelSession>(3);
        try
        {
            foreach (var part in new[] { ModelPart.VisionEncoder, ModelPart.EmbedTokens, ModelPart.Decoder })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var path = package.PathOf(part);
                var session = sessions.Create(part, path);
                created.Add(session);
                ModelSignatureValidator.Validate(
                    part,
                    Path.GetRelativePath(package.Directory, path),
                    package.Config,
                    TensorSignature.FromMetadata(session.Session.InputMetadata),
                    TensorSignature.FromMetadata(session.Session.OutputMetadata));
            }

            logger.LogInformation(
                "PaliGemma {Family} package {Directory} variant {Variant} ({Graph} graphs) ready: {ImageSize}px, {ImageTokens} image tokens, hidden {Hidden}, {Layers} layers",
                package.Config.Family, package.Directory, package.Variant, package.Manifest?.GraphLayout ?? PackageManifest.StandardGraph, package.Config.Vision.ImageSize, package.Config.ImageTokenCount,
                package.Config.Text.HiddenSize, package.Config.Text.LayerCount);
            return new PaliGemmaModel(package, created[0], created[1], created[2]);
        }
        catch
        {
            foreach (var s in created)
            {
                s.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        VisionEncoder.Dispose();
        EmbedTokens.Dispose();
        Decoder.Dispose();
    }
}
