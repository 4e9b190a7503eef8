using EdgePali.Quantize.Vae;
using EdgePali.Vision.Packages;
using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Tasks;

/// <summary>A random-weight onnx/vae_decoder.onnx built once for the class by the real build-vae code.</summary>
public sealed class VaeDecoderFixture : IDisposable
{
    public VaeDecoderFixture()
    {
        Folder = Directory.CreateTempSubdirectory("edgepali-mask-").FullName;
        var npz = Path.Combine(Folder, "vae-oid.npz");
        TestVae.Write(npz, seed: 5, embeddingDim: 32);
        OnnxPath = Path.Combine(Folder, "onnx", "vae_decoder.onnx");
        VaeDecoderGraph.Write(npz, OnnxPath);
        Decoder = MaskDecoder.Open(OnnxPath);
    }

    public string Folder { get; }

    public string OnnxPath { get; }

    public MaskDecoder Decoder { get; }

    public void Dispose()
    {
        Decoder.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class MaskDecoderTests(VaeDecoderFixture vae) : IClassFixture<VaeDecoderFixture>
{
    private static readonly int[] Codes = [3, 14, 15, 92, 65, 35, 89, 79, 32, 38, 46, 26, 43, 38, 32, 79];

    [Fact]
    public void SegmentAnswer_GetsAMaskOverItsBox_ThatIsTheThresholdedResizedDecoderOutput()
    {
        const int Width = 640, Height = 480;
        var answer = "<loc0100><loc0200><loc0600><loc0900>" + string.Concat(Codes.Select(c => $"<seg{c:D3}>")) + " cat ; <loc0001><loc0002><loc0003><loc0004> dog";
        var objects = DetectionParser.Parse(TableTokenDecoder.Tokens(answer), TableTokenDecoder.Instance, Width, Height);

        var masked = vae.Decoder.AttachMasks(objects, Width, Height);

        var cat = masked[0];
        var mask = Assert.IsType<ObjectMask>(cat.Mask);
        // big_vision's integer box: int(loc / 1023 * size).
        Assert.Equal((int)(200 / 1023.0 * Width), mask.Left);
        Assert.Equal((int)(100 / 1023.0 * Height), mask.Top);
        Assert.Equal((int)(900 / 1023.0 * Width) - mask.Left, mask.Width);
        Assert.Equal((int)(600 / 1023.0 * Height) - mask.Top, mask.Height);

        var mask64 = new float[64 * 64];
        vae.Decoder.Decode(Codes, mask64);
        var resized = new float[mask.Width * mask.Height];
        MaskResampler.Resize(mask64, 64, mask.Width, mask.Height, resized);
        for (var y = 0; y < mask.Height; y++)
        {
            for (var x = 0; x < mask.Width; x++)
                Assert.Equal(resized[(y * mask.Width) + x] > 0, mask.IsSet(x, y));
        }

        Assert.True(mask.Area > 0 && mask.Area < mask.Width * mask.Height, $"random weights should still give a partial mask: area {mask.Area}, decoder output {mask64.Min()}..{mask64.Max()}, mean {mask64.Average()}"); 
        Assert.Null(masked[1].Mask); // a detection without codes stays a box
        Assert.Same(objects[1], masked[1]);
    }

    [Fact]
    public void DecodingTheSameCodesTwice_GivesTheSameMask_AndDifferentCodesAnother()
    {
        var first = new float[4096];
        var again = new float[4096];
        var other = new float[4096];

        vae.Decoder.Decode(Codes, first);
        vae.Decoder.Decode(Enumerable.Repeat(0, 16).ToArray(), other);
        vae.Decoder.Decode(Codes, again);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void BoxThatRoundsToNoPixels_GetsNoMask()
    {
        var tiny = new DetectedObject("x", 1, new BoxF(0, 0, 1, 1), new BoxF(0, 0, 1 / 1023f, 1 / 1023f), Codes);

        var result = vae.Decoder.AttachMasks([tiny], 100, 100);

        Assert.Null(result[0].Mask);
    }

    [Fact]
    public void Decode_RejectsCodesOutOfRange()
    {
        var codes = (int[])Codes.Clone();
        codes[3] = 128;

        Assert.Throws<ArgumentOutOfRangeException>(() => vae.Decoder.Decode(codes, new float[4096]));
    }

    [Fact]
    public void Open_RejectsAMissingOrCorruptFileWithAClearMessage()
    {
        var missing = Assert.Throws<ModelPackageException>(() => MaskDecoder.Open(Path.Combine(vae.Folder, "nope.onnx")));
        Assert.Contains("build-vae", missing.Message, StringComparison.Ordinal);

        var corrupt = Path.Combine(vae.Folder, "corrupt.onnx");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5]);
        var error = Assert.Throws<ModelPackageException>(() => MaskDecoder.Open(corrupt));
        Assert.Contains("cannot be loaded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Paste_PutsTheMaskWhereTheDecoderSaidInside()
    {
        // Left half inside (+1), right half outside (-1): the box mask must split the same way.
        var mask64 = new float[64 * 64];
        for (var y = 0; y < 64; y++)
        {
            for (var x = 0; x < 64; x++)
                mask64[(y * 64) + x] = x < 32 ? 1 : -1;
        }

        var mask = MaskResampler.ToObjectMask(mask64, 64, 10, 20, 100, 30);

        Assert.Equal((10, 20, 100, 30), (mask.Left, mask.Top, mask.Width, mask.Height));
        Assert.Equal(50 * 30, mask.Area);
        Assert.True(mask.IsSet(49, 0) && mask.IsSet(0, 29));
        Assert.False(mask.IsSet(50, 0) || mask.IsSet(99, 29));
    }

    [Fact]
    public async Task Resize_MatchesPillowBilinearOnFloatImages()
    {
        var random = new Random(3);
        var mask64 = Enumerable.Range(0, 4096).Select(_ => (random.NextSingle() * 2) - 1).ToArray();
        (int W, int H)[] sizes = [(64, 64), (200, 130), (10, 7), (33, 90), (1, 1), (64, 17), (500, 64), (640, 480)];
        var folder = Directory.CreateTempSubdirectory("edgepali-pil-").FullName;
        try
        {
            var input = Path.Combine(folder, "mask.f32");
            File.WriteAllBytes(input, System.Runtime.InteropServices.MemoryMarshal.AsBytes(mask64.AsSpan()).ToArray());
            var script = $$"""
                import numpy as np
                from PIL import Image
                m = np.fromfile(r'{{input}}', dtype=np.float32).reshape(64, 64)
                for w, h in {{"[" + string.Join(", ", sizes.Select(s => $"({s.W}, {s.H})")) + "]"}}:
                    r = np.asarray(Image.fromarray(m).resize([w, h], resample=Image.BILINEAR), dtype=np.float32)
                    r.tofile(r'{{folder}}/%dx%d.f32' % (w, h))
                """;
            (await ProcessRunner.RunAsync(ProcessRunner.Python, ["-"], TimeSpan.FromMinutes(2), stdin: script))
                .EnsureSuccess("python3 needs Pillow and numpy: apt install python3-pil python3-numpy, done by ./test.sh");

            foreach (var (w, h) in sizes)
            {
                var bytes = File.ReadAllBytes(Path.Combine(folder, $"{w}x{h}.f32"));
                var pillow = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
                var ours = new float[w * h];
                MaskResampler.Resize(mask64, 64, w, h, ours);
                var worst = pillow.Zip(ours, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(worst < 1e-5, $"{w}x{h}: worst difference from Pillow {worst}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
