using System.Text;
using EdgePali.Vision.Tasks;
using OpenCvSharp;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Draws an <see cref="AnalysisResult"/> onto an image so a person can check it at a glance: each object's
/// box in a colour chosen by its label, "label 0.87" on a filled tag, masks as translucent overlays, and for
/// text answers (caption, answer, OCR...) the text wrapped on a dark band at the top.
/// Positions come from the normalised boxes, so the image may be the analysed frame or any scaled copy of it
/// (e.g. a small MQTT snapshot); line widths and fonts scale with the image.
/// OpenCV's Hershey fonts only have ASCII glyphs: other characters are drawn as '?'.
/// </summary>
public static class ResultAnnotator
{
    private const double MaskOpacity = 0.45;
    private const double BandOpacity = 0.6;
    private const HersheyFonts Font = HersheyFonts.HersheySimplex;

    // Distinct, saturated BGR colours that stay readable with white or black text.
    private static readonly Scalar[] Palette =
    [
        new(56, 56, 255), new(151, 157, 255), new(31, 112, 255), new(29, 178, 255), new(49, 210, 207),
        new(10, 249, 72), new(23, 204, 146), new(134, 219, 61), new(211, 188, 0), new(255, 194, 0),
        new(255, 115, 100), new(236, 24, 0), new(255, 56, 132), new(133, 0, 82), new(255, 56, 203),
    ];

    /// <summary>A BGR copy of <paramref name="frame"/> (BGR, BGRA or grey) with the result drawn on it; the caller disposes it.</summary>
    public static Mat Annotate(Mat frame, AnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(result);
        if (frame.Empty())
            throw new ArgumentException("The frame is empty: nothing to annotate.", nameof(frame));

        var image = new Mat();
        var type = frame.Type();
        if (type == MatType.CV_8UC3)
            frame.CopyTo(image);
        else if (type == MatType.CV_8UC4)
            Cv2.CvtColor(frame, image, ColorConversionCodes.BGRA2BGR);
        else if (type == MatType.CV_8UC1)
            Cv2.CvtColor(frame, image, ColorConversionCodes.GRAY2BGR);
        else
        {
            image.Dispose();
            throw new ArgumentException($"Unsupported frame type {type}: expected 8-bit BGR, BGRA or grey.", nameof(frame));
        }

        Draw(image, result);
        return image;
    }

    /// <summary>Draws <paramref name="result"/> onto <paramref name="image"/> (8-bit BGR) in place.</summary>
    public static void Draw(Mat image, AnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(result);
        if (image.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"Annotations are drawn on 8-bit BGR images, not {image.Type()}; use Annotate for other types.", nameof(image));

        var shortSide = Math.Min(image.Width, image.Height);
        var thickness = Math.Max(1, (int)Math.Round(shortSide / 240.0));
        var fontScale = Math.Max(0.35, shortSide / 900.0);

        foreach (var o in result.Objects)
        {
            if (o.Mask is { } mask)
                DrawMask(image, o, mask, ColourOf(o.Label));
        }

        foreach (var o in result.Objects)
            DrawBox(image, o, ColourOf(o.Label), thickness, fontScale);

        var text = BandText(result);
        if (text.Length > 0)
            DrawBand(image, text, thickness, fontScale);
    }

    /// <summary>The colour an object with <paramref name="label"/> is drawn in: the same label, the same colour, every run.</summary>
    public static Scalar ColourOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        // FNV-1a: string.GetHashCode is randomised per process, and colours should not change between runs.
        var hash = 2166136261u;
        foreach (var c in label)
            hash = (hash ^ c) * 16777619u;
        return Palette[hash % (uint)Palette.Length];
    }

    private static Rect PixelRect(Mat image, BoxF normalized)
    {
        var left = (int)Math.Round(normalized.XMin * image.Width);
        var top = (int)Math.Round(normalized.YMin * image.Height);
        var right = (int)Math.Round(normalized.XMax * image.Width);
        var bottom = (int)Math.Round(normalized.YMax * image.Height);
        return new Rect(left, top, Math.Max(1, right - left), Math.Max(1, bottom - top));
    }

    private static void DrawBox(Mat image, DetectedObject o, Scalar colour, int thickness, double fontScale)
    {
        var box = PixelRect(image, o.BoxNormalized);
        Cv2.Rectangle(image, box, colour, thickness, LineTypes.AntiAlias);

        var tag = Ascii(o.Label.Length == 0 ? $"{o.Score:0.00}" : $"{o.Label} {o.Score:0.00}");
        var size = Cv2.GetTextSize(tag, Font, fontScale, Math.Max(1, thickness / 2), out var baseline);
        var pad = Math.Max(2, thickness);
        var tagHeight = size.Height + baseline + (2 * pad);
        // Above the box when there is room, otherwise just inside its top edge.
        var tagTop = box.Top - tagHeight >= 0 ? box.Top - tagHeight : box.Top;
        var tagLeft = Math.Clamp(box.Left, 0, Math.Max(0, image.Width - size.Width - (2 * pad)));
        var tagRect = new Rect(tagLeft, tagTop, size.Width + (2 * pad), tagHeight);
        Cv2.Rectangle(image, tagRect, colour, -1);
        var ink = Brightness(colour) > 150 ? Scalar.Black : Scalar.White;
        Cv2.PutText(image, tag, new Point(tagLeft + pad, tagTop + pad + size.Height), Font, fontScale, ink, Math.Max(1, thickness / 2), LineTypes.AntiAlias);
    }

    private static void DrawMask(Mat image, DetectedObject o, ObjectMask mask, Scalar colour)
    {
        if (mask.Width <= 0 || mask.Height <= 0 || o.Box.Width <= 0 || o.Box.Height <= 0 || o.BoxNormalized.Width <= 0 || o.BoxNormalized.Height <= 0)
            return;

        // The mask is in pixels of the analysed frame; recover that frame's size from the box to place it here.
        var scaleX = image.Width * o.BoxNormalized.Width / o.Box.Width;
        var scaleY = image.Height * o.BoxNormalized.Height / o.Box.Height;
        var target = new Rect(
            (int)Math.Round(mask.Left * scaleX), (int)Math.Round(mask.Top * scaleY),
            Math.Max(1, (int)Math.Round(mask.Width * scaleX)), Math.Max(1, (int)Math.Round(mask.Height * scaleY)));
        var visible = target & new Rect(0, 0, image.Width, image.Height);
        if (visible.Width <= 0 || visible.Height <= 0)
            return;

        var bytes = new byte[mask.Width * mask.Height];
        for (var n = 0; n < bytes.Length; n++)
            bytes[n] = (mask.Bits[n >> 3] & (0x80 >> (n & 7))) != 0 ? (byte)255 : (byte)0;
        using var source = Mat.FromPixelData(mask.Height, mask.Width, MatType.CV_8UC1, bytes);
        using var scaled = new Mat();
        Cv2.Resize(source, scaled, target.Size, 0, 0, InterpolationFlags.Nearest);
        using var selector = scaled[new Rect(visible.X - target.X, visible.Y - target.Y, visible.Width, visible.Height)];

        using var region = image[visible];
        using var tint = new Mat(region.Size(), region.Type(), colour);
        using var blended = new Mat();
        Cv2.AddWeighted(region, 1 - MaskOpacity, tint, MaskOpacity, 0, blended);
        blended.CopyTo(region, selector);
    }

    private static string BandText(AnalysisResult result)
    {
        if (result.Objects.Count > 0)
            return string.Empty;
        return result.Task switch
        {
            DetectTask or SegmentTask => $"{result.Task.Prefix}: nothing found",
            AnswerTask answer => $"Q: {answer.Question}  A: {result.Text.Trim()}",
            _ => result.Text.Trim(),
        };
    }

    private static void DrawBand(Mat image, string text, int thickness, double fontScale)
    {
        var pad = Math.Max(4, thickness * 3);
        var stroke = Math.Max(1, thickness / 2);
        var lines = Wrap(Ascii(text), image.Width - (2 * pad), fontScale, stroke);
        var lineHeight = Cv2.GetTextSize("Ag", Font, fontScale, stroke, out var baseline).Height + baseline + pad;
        var bandHeight = Math.Min(image.Height, (lines.Count * lineHeight) + pad);

        using (var band = image[new Rect(0, 0, image.Width, bandHeight)])
        {
            using var dark = new Mat(band.Size(), band.Type(), Scalar.Black);
            Cv2.AddWeighted(band, 1 - BandOpacity, dark, BandOpacity, 0, band);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var y = pad + ((i + 1) * lineHeight) - baseline - pad;
            if (y > bandHeight)
                break;
            Cv2.PutText(image, lines[i], new Point(pad, y), Font, fontScale, Scalar.White, stroke, LineTypes.AntiAlias);
        }
    }

    /// <summary>Greedy word wrap by measured width; a word longer than a line is split.</summary>
    private static List<string> Wrap(string text, int width, double fontScale, int stroke)
    {
        int Measure(string s) => Cv2.GetTextSize(s, Font, fontScale, stroke, out _).Width;
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (Measure(candidate) <= width)
            {
                line.Clear().Append(candidate);
                continue;
            }

            if (line.Length > 0)
                lines.Add(line.ToString());
            line.Clear();
            var rest = word;
            while (rest.Length > 1 && Measure(rest) > width)
            {
                var fit = rest.Length - 1;
                while (fit > 1 && Measure(rest[..fit]) > width)
                    fit--;
                lines.Add(rest[..fit]);
                rest = rest[fit..];
            }

            line.Append(rest);
        }

        if (line.Length > 0)
            lines.Add(line.ToString());
        return lines;
    }

    private static string Ascii(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
            builder.Append(rune.Value is >= 32 and < 127 ? (char)rune.Value : Rune.IsWhiteSpace(rune) ? ' ' : '?');
        return builder.ToString();
    }

    private static double Brightness(Scalar bgr) => (0.114 * bgr.Val0) + (0.587 * bgr.Val1) + (0.299 * bgr.Val2);
}
