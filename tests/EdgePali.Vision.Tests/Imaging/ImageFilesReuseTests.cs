using EdgePali.Vision.Imaging;

namespace EdgePali.Vision.Tests.Imaging;

/// <summary>The overloads that write into a caller's buffers give the same bytes as the allocating ones.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ImageFilesReuseTests
{
    private static ImageFrame Gradient(int width, int height)
    {
        var frame = ImageFrame.CreateBgr(width, height);
        var pixels = frame.Pixels.Span;
        for (var i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)((i * 7) + (i / (width * 3) * 13));
        return frame;
    }

    [Fact]
    public void ResizeIntoTarget_EqualsResize()
    {
        var source = Gradient(320, 240);
        var target = ImageFrame.CreateBgr(160, 120);
        target.Pixels.Span.Fill(255);

        ImageFiles.Resize(source, target);

        Assert.Equal(ImageFiles.Resize(source, 160, 120).Pixels.ToArray(), target.Pixels.ToArray());
    }

    [Fact]
    public void EncodeJpegIntoAKeptStream_EqualsEncodeJpeg_EachTime()
    {
        var large = Gradient(320, 240);
        var small = Gradient(64, 48);
        using var stream = new MemoryStream();

        Assert.Equal(ImageFiles.EncodeJpeg(large, 80), ImageFiles.EncodeJpeg(large, 80, stream));
        // A smaller image after a larger one: nothing of the first is left at the end of the stream.
        Assert.Equal(ImageFiles.EncodeJpeg(small, 80), ImageFiles.EncodeJpeg(small, 80, stream));
    }

    [Fact]
    public void ShrinkToJpeg_EqualsDecodeResizeEncode_AndIsNullForANarrowImage()
    {
        var snapshot = ImageFiles.EncodeJpeg(Gradient(480, 360), 70);
        var decoded = ImageFiles.Decode(snapshot);
        using var stream = new MemoryStream();

        var thumbnail = ImageFiles.ShrinkToJpeg(snapshot, 320, 75, stream);

        Assert.Equal(ImageFiles.EncodeJpeg(ImageFiles.Resize(decoded, 320, 240), 75), thumbnail);
        Assert.Null(ImageFiles.ShrinkToJpeg(snapshot, 480, 75, stream));
        Assert.Throws<IOException>(() => ImageFiles.ShrinkToJpeg([1, 2, 3], 320, 75, stream));
    }
}
