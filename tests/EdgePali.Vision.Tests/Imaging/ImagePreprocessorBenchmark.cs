using System.Diagnostics;
using EdgePali.Vision.Imaging;
using OpenCvSharp;
using Xunit.Abstractions;

namespace EdgePali.Vision.Tests.Imaging;

/// <summary>
/// Prints how long preprocessing takes on one core (see the test output, e.g. dotnet test --logger
/// "console;verbosity=detailed"). Timing is reported, never asserted; the assertion is that reusing the
/// buffers frame after frame gives the same result every time. Runs alone (not beside other test classes)
/// so the figures mean something.
/// </summary>
[Collection(nameof(ImagePreprocessorBenchmark))]
[CollectionDefinition(nameof(ImagePreprocessorBenchmark), DisableParallelization = true)]
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ImagePreprocessorBenchmark(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1920, 1080, "best")]
    [InlineData(1280, 720, "best")]
    [InlineData(640, 480, "best")]
    [InlineData(1920, 1080, nameof(HorizontalKernel.Vector128))] // what ARM64 boards run
    public void Preprocess_RepeatedFrames_ReportsMillisecondsAndGivesStableResults(int width, int height, string kernel)
    {
        const int WarmUpRuns = 10;
        const int Runs = 50;
        using Mat frame = TestFrames.Create(width, height, 3, seed: 42);
        var frameImage = frame.ToImage();
        var preprocessor = kernel == "best"
            ? new ImagePreprocessor(224, ImageNormalization.Siglip)
            : new ImagePreprocessor(224, ImageNormalization.Siglip, Enum.Parse<HorizontalKernel>(kernel));
        var first = new float[preprocessor.PixelValuesLength];
        var pixelValues = new float[preprocessor.PixelValuesLength];
        preprocessor.Preprocess(frameImage, first);
        for (int i = 0; i < WarmUpRuns; i++)
        {
            preprocessor.Preprocess(frameImage, pixelValues);
        }

        var times = new double[Runs];
        for (int i = 0; i < Runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            preprocessor.Preprocess(frameImage, pixelValues);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Assert.Equal(first, pixelValues);
        }

        Array.Sort(times);
        output.WriteLine($"{width}x{height} BGR -> 224x224 pixel_values ({kernel} kernel): median {times[Runs / 2]:F2} ms, best {times[0]:F2} ms ({Runs} runs, one thread)");
    }
}
