using EdgePali.Vision.Imaging;
using OpenCvSharp;

namespace EdgePali.Vision.Tests.Support;

/// <summary>One test frame: its size and channel count (3 BGR, 4 BGRA, 1 grey).</summary>
public sealed record FrameCase(int Width, int Height, int Channels = 3)
{
    public string Name => $"{Width}x{Height}c{Channels}";

    public override string ToString() => Name;
}

/// <summary>
/// Writes every test frame as a lossless PNG, runs tests/conformance/pillow_resize.py ONCE over all of them and
/// keeps Pillow's resized bytes and pixel_values for the tests to compare against.
/// </summary>
public sealed class PillowReference : IDisposable
{
    public const int ImageSize = 224;

    public static readonly FrameCase[] Cases =
    [
        new(64, 64), new(100, 37), new(640, 480), new(1280, 720), new(1920, 1080), new(30, 500),
        new(56, 56), new(7, 5), new(1, 1), new(224, 224), new(224, 100), new(300, 224), new(2000, 31),
        new(640, 360, 4), new(333, 250, 1),
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("edgepali-pillow-").FullName;
    private readonly Dictionary<string, (Mat Frame, byte[] Rgb, float[] PixelValues)> _references = [];

    public PillowReference()
    {
        var pngs = new List<string>();
        for (int i = 0; i < Cases.Length; i++)
        {
            FrameCase frameCase = Cases[i];
            Mat frame = TestFrames.Create(frameCase.Width, frameCase.Height, frameCase.Channels, seed: i + 1);
            string png = Path.Combine(_directory, frameCase.Name + ".png");
            if (!Cv2.ImWrite(png, frame))
            {
                throw new InvalidOperationException($"OpenCV could not write {png}.");
            }

            pngs.Add(png);
            _references[frameCase.Name] = (frame, [], []);
        }

        RunPillow(pngs);
        foreach (FrameCase frameCase in Cases)
        {
            string stem = Path.Combine(_directory, frameCase.Name);
            byte[] rgb = File.ReadAllBytes(stem + ".rgb");
            byte[] raw = File.ReadAllBytes(stem + ".f32");
            var pixelValues = new float[raw.Length / sizeof(float)];
            Buffer.BlockCopy(raw, 0, pixelValues, 0, raw.Length);
            _references[frameCase.Name] = (_references[frameCase.Name].Frame, rgb, pixelValues);
        }
    }

    public static ImageNormalization Normalization => ImageNormalization.Siglip;

    /// <summary>The frame Pillow read from its PNG, as the engine's image type (BGR, BGRA or grey).</summary>
    public ImageFrame Frame(FrameCase frameCase) => _references[frameCase.Name].Frame.ToImage();

    /// <summary>Pillow's resized image, HWC RGB bytes.</summary>
    public byte[] Rgb(FrameCase frameCase) => _references[frameCase.Name].Rgb;

    /// <summary>Pillow + numpy pixel_values, CHW float32.</summary>
    public float[] PixelValues(FrameCase frameCase) => _references[frameCase.Name].PixelValues;

    public void Dispose()
    {
        foreach (var (frame, _, _) in _references.Values)
        {
            frame.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static void RunPillow(List<string> pngs) =>
        ProcessRunner.RunPythonAsync(Path.Combine(RepositoryPaths.Conformance, "pillow_resize.py"), ["--size", ImageSize.ToString(), .. pngs], TimeSpan.FromMinutes(5))
            .GetAwaiter().GetResult()
            .EnsureSuccess("it needs Pillow and numpy: apt install python3-pil python3-numpy, done by ./test.sh");
}
