namespace EdgePali.Vision.Imaging;

/// <summary>
/// How resized 8-bit pixels become model inputs, as in a Hugging Face image processor:
/// <c>(pixel * RescaleFactor - Mean[c]) / Std[c]</c> per RGB channel (preprocessor_config.json's
/// <c>rescale_factor</c>, <c>image_mean</c>, <c>image_std</c>).
/// </summary>
public sealed class ImageNormalization
{
    private ImageNormalization(double rescaleFactor, float[] mean, float[] std)
    {
        RescaleFactor = rescaleFactor;
        Mean = mean;
        Std = std;
    }

    /// <summary>SigLIP / PaliGemma: 1/255, mean 0.5, std 0.5, so pixels land in [-1, 1].</summary>
    public static ImageNormalization Siglip { get; } = Create(1.0 / 255.0, [0.5f, 0.5f, 0.5f], [0.5f, 0.5f, 0.5f]);

    /// <summary>Multiplier from 0..255 pixel values before the mean and std are applied (1/255).</summary>
    public double RescaleFactor { get; }

    /// <summary>Per channel, R, G, B.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per channel, R, G, B; never zero.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>Checks and copies the values (three means and three non-zero standard deviations).</summary>
    /// <exception cref="ArgumentException">A list does not have 3 finite values, or a std is zero.</exception>
    public static ImageNormalization Create(double rescaleFactor, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (!double.IsFinite(rescaleFactor) || rescaleFactor <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rescaleFactor), rescaleFactor,
                "rescale_factor must be a positive number (1/255 for 8-bit images).");
        }

        if (mean.Count != 3 || mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException($"image_mean must hold 3 finite values (R, G, B); got [{string.Join(", ", mean)}].", nameof(mean));
        }

        if (std.Count != 3 || std.Any(s => !float.IsFinite(s) || s == 0))
        {
            throw new ArgumentException($"image_std must hold 3 finite non-zero values (R, G, B); got [{string.Join(", ", std)}].", nameof(std));
        }

        return new ImageNormalization(rescaleFactor, [.. mean], [.. std]);
    }

    /// <summary>
    /// The input value for every byte of channel <paramref name="channel"/>, computed with the processor's
    /// float types: rescale in double then cast to float32 (transformers' rescale), subtract and divide in float32.
    /// </summary>
    internal float[] CreateLookupTable(int channel)
    {
        var table = new float[256];
        float mean = Mean[channel];
        float std = Std[channel];
        for (int v = 0; v < table.Length; v++)
        {
            float rescaled = (float)(v * RescaleFactor);
            table[v] = (rescaled - mean) / std;
        }

        return table;
    }
}
