using EdgePali.Agent.Pipeline;

namespace EdgePali.Agent.Capture;

/// <summary>
/// The generated scene behind Source "testpattern": a still backdrop (sky, ground, a house) and a figure
/// that paces back and forth for the first half of every 10-second cycle and stands still for the second,
/// so the motion gate has something to switch on and off. Drawn in managed code: needs no camera and no
/// native library.
/// </summary>
public sealed class TestPatternFrameSource(int width, int height, TimeProvider time) : IFrameSource
{
    private static readonly TimeSpan Cycle = TimeSpan.FromSeconds(10);
    private readonly int _width = width > 0 ? width : 640;
    private readonly int _height = height > 0 ? height : 480;
    private readonly long _start = time.GetTimestamp();

    public bool IsLive => false;

    public void Open()
    {
    }

    public bool Grab() => true;

    public void Retrieve(FrameBuffer target)
    {
        target.SetSize(_width, _height);
        var pixels = target.Pixels;
        var horizon = _height * 3 / 5;
        for (var y = 0; y < _height; y++)
        {
            // Sky fades from blue to pale, the ground is green: BGR order.
            var row = pixels.Slice(y * target.Stride, target.Stride);
            byte b, g, r;
            if (y < horizon)
            {
                var t = y * 255 / horizon;
                (b, g, r) = ((byte)(230 - (t / 8)), (byte)(150 + (t / 4)), (byte)(90 + (t / 3)));
            }
            else
            {
                (b, g, r) = (40, 140, 60);
            }

            for (var x = 0; x < row.Length; x += 3)
            {
                row[x] = b;
                row[x + 1] = g;
                row[x + 2] = r;
            }
        }

        // A house: wall and door.
        FillRect(target, _width / 10, horizon - (_height / 4), _width / 4, _height / 4, 180, 200, 220);
        FillRect(target, (_width / 10) + (_width / 10), horizon - (_height / 8), _width / 20, _height / 8, 40, 60, 120);

        // The walker: paces back and forth for the first half of the cycle, stands still for the second.
        var elapsed = time.GetElapsedTime(_start);
        var phase = (elapsed.Ticks % Cycle.Ticks) / (double)Cycle.Ticks;
        var walk = phase < 0.5 ? phase * 4 % 2 : 0;
        var progress = walk <= 1 ? walk : 2 - walk;
        var bodyWidth = Math.Max(4, _width / 10);
        var bodyHeight = Math.Max(8, _height * 2 / 5);
        var x0 = (int)((_width / 10) + (progress * ((_width * 8 / 10) - bodyWidth)));
        var y0 = horizon - bodyHeight + (_height / 20);
        FillRect(target, x0, y0 + (bodyHeight / 4), bodyWidth, bodyHeight * 3 / 4, 60, 40, 200);
        FillRect(target, x0 + (bodyWidth / 4), y0, bodyWidth / 2, bodyHeight / 4, 150, 180, 230);
    }

    public void Dispose()
    {
    }

    private static void FillRect(FrameBuffer frame, int left, int top, int w, int h, byte b, byte g, byte r)
    {
        var x1 = Math.Clamp(left + w, 0, frame.Width);
        var y1 = Math.Clamp(top + h, 0, frame.Height);
        var x0 = Math.Clamp(left, 0, frame.Width);
        var pixels = frame.Pixels;
        for (var y = Math.Clamp(top, 0, frame.Height); y < y1; y++)
        {
            var row = pixels.Slice((y * frame.Stride) + (x0 * 3), (x1 - x0) * 3);
            for (var x = 0; x < row.Length; x += 3)
            {
                row[x] = b;
                row[x + 1] = g;
                row[x + 2] = r;
            }
        }
    }
}
