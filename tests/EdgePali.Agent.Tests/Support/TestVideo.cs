using OpenCvSharp;

namespace EdgePali.Agent.Tests.Support;

/// <summary>
/// A small video written by OpenCV's VideoWriter (MJPG in AVI: encodable and decodable by the OpenCvSharp
/// runtime's FFmpeg here and on the boards): segments of a still scene and of a square moving across it.
/// A 4x4 marker in the top-left corner is white in moving frames and black in still ones, too small to
/// count as motion itself, so an analyser can tell which segment a frame came from.
/// </summary>
public sealed class TestVideo : IDisposable
{
    public const int Width = 160;
    public const int Height = 120;
    public const int Fps = 20;
    public const int StillFrames = 30;
    public const int MovingFrames = 30;

    public TestVideo()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgepali-video-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        FilePath = Path.Combine(Directory, "still-moving.avi");
        Write(FilePath);
    }

    public string Directory { get; }

    /// <summary>still (30) then moving (30), then still again (30) with the square where it stopped.</summary>
    public string FilePath { get; }

    public static int FrameCount => StillFrames + MovingFrames + StillFrames;

    /// <summary>True when the frame's marker says it is from a moving segment.</summary>
    public static bool IsMovingFrame(ReadOnlySpan<byte> bgr, int width) => bgr[(2 * width * 3) + 6] > 128;

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static void Write(string path)
    {
        using var writer = new VideoWriter(path, FourCC.MJPG, Fps, new Size(Width, Height));
        if (!writer.IsOpened())
            throw new InvalidOperationException("OpenCV cannot write MJPG/AVI here");
        using var frame = new Mat(Height, Width, MatType.CV_8UC3);
        var x = 20;
        void Draw(bool moving)
        {
            frame.SetTo(new Scalar(90, 120, 60));
            Cv2.Rectangle(frame, new Rect(0, 80, Width, 40), new Scalar(40, 140, 60), -1);
            Cv2.Rectangle(frame, new Rect(x, 40, 24, 36), new Scalar(230, 230, 230), -1);
            Cv2.Rectangle(frame, new Rect(0, 0, 4, 4), moving ? Scalar.White : Scalar.Black, -1);
            writer.Write(frame);
        }

        for (var i = 0; i < StillFrames; i++)
            Draw(false);
        for (var i = 0; i < MovingFrames; i++)
        {
            x += 3;
            Draw(true);
        }

        for (var i = 0; i < StillFrames; i++)
            Draw(false);
    }
}
