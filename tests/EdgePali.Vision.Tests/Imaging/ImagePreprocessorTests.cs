using EdgePali.Vision.Imaging;
using OpenCvSharp;

namespace EdgePali.Vision.Tests.Imaging;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ImagePreprocessorTests
{
    [Fact]
    public void Preprocess_GemmaCppTestPixels_NormaliseToTwiceValueOver255MinusOne()
    {
        // gemma.cpp paligemma/testdata/image.ppm starts with RGB 160,184,188 then 163,185,189; a 2x2 frame
        // preprocessed at S = 2 is not resized, so only the rescale/normalise step is under test.
        byte[][] rgbPixels = [[160, 184, 188], [163, 185, 189], [0, 128, 255], [1, 254, 127]];
        using var frame = new Mat(2, 2, MatType.CV_8UC3);
        for (int i = 0; i < rgbPixels.Length; i++)
        {
            byte[] rgb = rgbPixels[i];
            frame.Set(i / 2, i % 2, new Vec3b(rgb[2], rgb[1], rgb[0]));
        }

        var preprocessor = new ImagePreprocessor(2, ImageNormalization.Siglip);
        var pixelValues = new float[preprocessor.PixelValuesLength];
        preprocessor.Preprocess(frame.ToImage(), pixelValues);

        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < rgbPixels.Length; i++)
            {
                double expected = (2 * (rgbPixels[i][c] / 255.0)) - 1;
                Assert.Equal(expected, pixelValues[(c * 4) + i], 1e-6);
            }
        }

        Assert.Equal(2 * (160 / 255.0) - 1, pixelValues[0], 1e-6);
        Assert.Equal(2 * (184 / 255.0) - 1, pixelValues[4], 1e-6);
        Assert.Equal(2 * (188 / 255.0) - 1, pixelValues[8], 1e-6);
    }

    [Fact]
    public void Preprocess_CustomMeanAndStd_AppliesThemPerRgbChannel()
    {
        using var frame = new Mat(1, 1, MatType.CV_8UC3, new Scalar(30, 20, 10)); // B, G, R
        var normalization = ImageNormalization.Create(1 / 255.0, [0.1f, 0.2f, 0.3f], [0.5f, 0.25f, 2f]);
        var preprocessor = new ImagePreprocessor(1, normalization);
        var pixelValues = new float[3];

        preprocessor.Preprocess(frame.ToImage(), pixelValues);

        Assert.Equal(((10 / 255f) - 0.1f) / 0.5f, pixelValues[0], 1e-6);
        Assert.Equal(((20 / 255f) - 0.2f) / 0.25f, pixelValues[1], 1e-6);
        Assert.Equal(((30 / 255f) - 0.3f) / 2f, pixelValues[2], 1e-6);
    }

    [Fact]
    public void Preprocess_RegionOfInterestWithRowPadding_EqualsTheSameCroppedContinuousFrame()
    {
        using Mat big = TestFrames.Create(700, 500, 3, seed: 7);
        using var roi = new Mat(big, new Rect(13, 21, 517, 389));
        using Mat copy = roi.Clone();
        Assert.False(roi.IsContinuous());
        var preprocessor = new ImagePreprocessor(224, ImageNormalization.Siglip);
        var fromRoi = new float[preprocessor.PixelValuesLength];
        var fromCopy = new float[preprocessor.PixelValuesLength];

        preprocessor.Preprocess(roi.ToImage(), fromRoi);
        preprocessor.Preprocess(copy.ToImage(), fromCopy);

        Assert.Equal(fromCopy, fromRoi);
    }

    [Fact]
    public void Preprocess_FramesAfterTheFirstOfTheSameSize_AllocateNothing()
    {
        using Mat firstMat = TestFrames.Create(640, 480, 3, seed: 1);
        using Mat secondMat = TestFrames.Create(640, 480, 3, seed: 2);
        ImageFrame first = firstMat.ToImage(), second = secondMat.ToImage();
        var preprocessor = new ImagePreprocessor(224, ImageNormalization.Siglip);
        var pixelValues = new float[preprocessor.PixelValuesLength];
        // A few warm-up frames: the runtime may allocate on this thread while it compiles the loops (tiering/OSR).
        for (int i = 0; i < 5; i++)
        {
            preprocessor.Preprocess(first, pixelValues);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            preprocessor.Preprocess(i % 2 == 0 ? second : first, pixelValues);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Preprocess_FramesOfChangingSizes_GiveTheSameResultAsAFreshPreprocessor()
    {
        var shared = new ImagePreprocessor(224, ImageNormalization.Siglip);
        var pixelValues = new float[shared.PixelValuesLength];
        var fresh = new float[shared.PixelValuesLength];
        int[][] sizes = [[640, 480], [100, 37], [1280, 720], [640, 480], [33, 900], [7, 7], [640, 480]];
        foreach (int[] size in sizes)
        {
            using Mat frame = TestFrames.Create(size[0], size[1], 3, seed: size[0] + size[1]);
            shared.Preprocess(frame.ToImage(), pixelValues);
            new ImagePreprocessor(224, ImageNormalization.Siglip).Preprocess(frame.ToImage(), fresh);
            Assert.Equal(fresh, pixelValues);
        }
    }

    [Fact]
    public void Preprocess_RgbFrame_EqualsTheBgrFrameWithChannelsSwapped()
    {
        using Mat bgrMat = TestFrames.Create(320, 240, 3, seed: 5);
        var bgr = bgrMat.ToImage();
        var rgbBytes = new byte[320 * 240 * 3];
        bgr.CopyAsBgr(rgbBytes);
        for (int i = 0; i < rgbBytes.Length; i += 3)
        {
            (rgbBytes[i], rgbBytes[i + 2]) = (rgbBytes[i + 2], rgbBytes[i]);
        }

        var preprocessor = new ImagePreprocessor(224, ImageNormalization.Siglip);
        var fromBgr = new float[preprocessor.PixelValuesLength];
        var fromRgb = new float[preprocessor.PixelValuesLength];

        preprocessor.Preprocess(bgr, fromBgr);
        preprocessor.Preprocess(new ImageFrame(rgbBytes, 320, 240, 0, ImagePixelFormat.Rgb24), fromRgb);

        Assert.Equal(fromBgr, fromRgb);
    }

    [Fact]
    public void ImageFrame_BufferShorterThanTheImage_FailsNamingTheSizes()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageFrame(new byte[100], 10, 10, 0, ImagePixelFormat.Bgr24));

        Assert.Contains("10x10 Bgr24", error.Message, StringComparison.Ordinal);
        Assert.Contains("300 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("holds 100", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preprocess_EmptyFrame_FailsSayingItIsEmpty()
    {
        var frame = default(ImageFrame);
        var preprocessor = new ImagePreprocessor(224, ImageNormalization.Siglip);

        var error = Assert.Throws<ArgumentException>(() => preprocessor.Preprocess(frame, new float[preprocessor.PixelValuesLength]));

        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preprocess_DestinationTooSmall_FailsWithTheNeededLength()
    {
        using var frame = new Mat(10, 10, MatType.CV_8UC3, Scalar.All(1));
        var preprocessor = new ImagePreprocessor(224, ImageNormalization.Siglip);

        var error = Assert.Throws<ArgumentException>(() => preprocessor.Preprocess(frame.ToImage(), new float[1000]));

        Assert.Contains("150528", error.Message, StringComparison.Ordinal);
        Assert.Equal("pixelValues", error.ParamName);
    }

    [Fact]
    public void Create_ZeroStd_IsRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageNormalization.Create(1 / 255.0, [0.5f, 0.5f, 0.5f], [0.5f, 0f, 0.5f]));

        Assert.Contains("image_std", error.Message, StringComparison.Ordinal);
    }
}
