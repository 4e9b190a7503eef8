using System.Text;
using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Imaging;

/// <summary>
/// Draws an <see cref="AnalysisResult"/> onto an image so a person can check it at a glance: each object's
/// box in a colour chosen by its label, "label 0.87" on a filled tag, masks as translucent overlays, and for
/// text answers (caption, answer, OCR...) the text wrapped on a dark band at the top.
/// Positions come from the normalised boxes, so the image may be the analysed frame or any scaled copy of it
/// (e.g. a small MQTT snapshot); line widths and text size scale with the image.
/// </summary>
/// <remarks>
/// Drawn by hand on <see cref="ImageFrame"/> pixels (axis-aligned boxes, fills, blends and the 5x8
/// <see cref="BitmapFont"/>): these need no anti-aliasing, and the drawing libraries that could do it are
/// native (OpenCV, Skia) or not served (ImageSharp.Drawing). The font has ASCII glyphs only: other
/// characters are drawn as '?'.
/// </remarks>
public static class ResultAnnotator
{
    private const double MaskOpacity = 0.45;
    private const double BandOpacity = 0.6;

    // Distinct, saturated colours that stay readable with white or black text.
    private static readonly BgrColour[] Palette =
    [
        new(56, 56, 255), new(151, 157, 255), new(31, 112, 255), new(29, 178, 255), new(49, 210, 207),
        new(10, 249, 72), new(23, 204, 146), new(134, 219, 61), new(211, 188, 0), new(255, 194, 0),
        new(255, 115, 100), new(236, 24, 0), new(255, 56, 132), new(133, 0, 82), new(255, 56, 203),
    ];

    /// <summary>A packed BGR copy of <paramref name="frame"/> (any pixel format) with the result drawn on it; the input is untouched.</summary>
    public static ImageFrame Annotate(ImageFrame frame, AnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (frame.IsEmpty)
            throw new ArgumentException("The frame is empty: nothing to annotate.", nameof(frame));

        var image = frame.ToBgrCopy();
        Draw(image, result);
        return image;
    }

    /// <summary>Draws <paramref name="result"/> onto <paramref name="image"/> (8-bit BGR) in place.</summary>
    public static void Draw(ImageFrame image, AnalysisResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (image.IsEmpty)
            throw new ArgumentException("The image is empty: nothing to draw on.", nameof(image));
        if (image.Format != ImagePixelFormat.Bgr24)
            throw new ArgumentException($"Annotations are drawn on 8-bit BGR images, not {image.Format}; use Annotate for other formats.", nameof(image));

        var shortSide = Math.Min(image.Width, image.Height);
        var thickness = Math.Max(1, (int)Math.Round(shortSide / 240.0));
        // Glyph pixels of 1 on a 240-line image, 2 on 480, 4 on 1080: text about 3% of the short side.
        var textScale = Math.Max(1, (int)Math.Round(shortSide / 270.0));

        foreach (var o in result.Objects)
        {
            if (o.Mask is { } mask)
                DrawMask(image, o, mask, ColourOf(o.Label));
        }

        foreach (var o in result.Objects)
            DrawBox(image, o, ColourOf(o.Label), thickness, textScale);

        var text = BandText(result);
        if (text.Length > 0)
            DrawBand(image, text, thickness, textScale);
    }

    /// <summary>The colour an object with <paramref name="label"/> is drawn in: the same label, the same colour, every run.</summary>
    public static BgrColour ColourOf(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        // FNV-1a: string.GetHashCode is randomised per process, and colours should not change between runs.
        var hash = 2166136261u;
        foreach (var c in label)
            hash = (hash ^ c) * 16777619u;
        return Palette[hash % (uint)Palette.Length];
    }

    private static (int Left, int Top, int Right, int Bottom) PixelBox(ImageFrame image, BoxF normalized)
    {
        var left = (int)Math.Round(normalized.XMin * image.Width);
        var top = (int)Math.Round(normalized.YMin * image.Height);
        var right = (int)Math.Round(normalized.XMax * image.Width);
        var bottom = (int)Math.Round(normalized.YMax * image.Height);
        return (left, top, Math.Max(left + 1, right), Math.Max(top + 1, bottom));
    }

    private static void DrawBox(ImageFrame image, DetectedObject o, BgrColour colour, int thickness, int textScale)
    {
        var (left, top, right, bottom) = PixelBox(image, o.BoxNormalized);
        // Lines centred on the box edges, as OpenCV draws them.
        var half = thickness / 2;
        FillRect(image, left - half, top - half, right - left + thickness, thickness, colour);
        FillRect(image, left - half, bottom - half, right - left + thickness, thickness, colour);
        FillRect(image, left - half, top - half, thickness, bottom - top + thickness, colour);
        FillRect(image, right - half, top - half, thickness, bottom - top + thickness, colour);

        var tag = Ascii(o.Label.Length == 0 ? $"{o.Score:0.00}" : $"{o.Label} {o.Score:0.00}");
        var textWidth = BitmapFont.Measure(tag, textScale);
        var pad = Math.Max(2, thickness);
        var tagHeight = ((BitmapFont.Ascent + BitmapFont.Descent) * textScale) + (2 * pad);
        // Above the box when there is room, otherwise just inside its top edge.
        var tagTop = top - tagHeight >= 0 ? top - tagHeight : top;
        var tagLeft = Math.Clamp(left, 0, Math.Max(0, image.Width - textWidth - (2 * pad)));
        FillRect(image, tagLeft, tagTop, textWidth + (2 * pad), tagHeight, colour);
        var ink = colour.Brightness > 150 ? BgrColour.Black : BgrColour.White;
        BitmapFont.Draw(image, tag, tagLeft + pad, tagTop + pad + (BitmapFont.Ascent * textScale), textScale, ink);
    }

    private static void DrawMask(ImageFrame image, DetectedObject o, ObjectMask mask, BgrColour colour)
    {
        if (mask.Width <= 0 || mask.Height <= 0 || o.Box.Width <= 0 || o.Box.Height <= 0 || o.BoxNormalized.Width <= 0 || o.BoxNormalized.Height <= 0)
            return;

        // The mask is in pixels of the analysed frame; recover that frame's size from the box to place it here.
        var scaleX = image.Width * o.BoxNormalized.Width / o.Box.Width;
        var scaleY = image.Height * o.BoxNormalized.Height / o.Box.Height;
        var targetLeft = (int)Math.Round(mask.Left * scaleX);
        var targetTop = (int)Math.Round(mask.Top * scaleY);
        var targetWidth = Math.Max(1, (int)Math.Round(mask.Width * scaleX));
        var targetHeight = Math.Max(1, (int)Math.Round(mask.Height * scaleY));

        var pixels = image.Pixels.Span;
        var y0 = Math.Max(0, targetTop);
        var y1 = Math.Min(image.Height, targetTop + targetHeight);
        var x0 = Math.Max(0, targetLeft);
        var x1 = Math.Min(image.Width, targetLeft + targetWidth);
        for (var y = y0; y < y1; y++)
        {
            // Nearest-neighbour lookup of the mask bit under each pixel.
            var maskY = Math.Min(mask.Height - 1, (int)((y - targetTop) * (long)mask.Height / targetHeight));
            var row = pixels.Slice(y * image.Stride, image.Width * 3);
            for (var x = x0; x < x1; x++)
            {
                var maskX = Math.Min(mask.Width - 1, (int)((x - targetLeft) * (long)mask.Width / targetWidth));
                var n = (maskY * mask.Width) + maskX;
                if ((mask.Bits[n >> 3] & (0x80 >> (n & 7))) == 0)
                    continue;
                Blend(row.Slice(x * 3, 3), colour, MaskOpacity);
            }
        }
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

    private static void DrawBand(ImageFrame image, string text, int thickness, int textScale)
    {
        var pad = Math.Max(4, thickness * 3);
        var lines = Wrap(Ascii(text), image.Width - (2 * pad), textScale);
        var lineHeight = ((BitmapFont.Ascent + BitmapFont.Descent) * textScale) + pad;
        var bandHeight = Math.Min(image.Height, (lines.Count * lineHeight) + pad);

        var pixels = image.Pixels.Span;
        for (var y = 0; y < bandHeight; y++)
        {
            var row = pixels.Slice(y * image.Stride, image.Width * 3);
            for (var x = 0; x < row.Length; x += 3)
                Blend(row.Slice(x, 3), BgrColour.Black, BandOpacity);
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var baseline = pad + (i * lineHeight) + (BitmapFont.Ascent * textScale);
            if (baseline > bandHeight)
                break;
            BitmapFont.Draw(image, lines[i], pad, baseline, textScale, BgrColour.White);
        }
    }

    /// <summary>Greedy word wrap by measured width; a word longer than a line is split.</summary>
    private static List<string> Wrap(string text, int width, int textScale)
    {
        // Fixed-width glyphs: a line holds a whole number of characters.
        var perLine = Math.Max(1, (width + textScale) / (BitmapFont.Advance * textScale));
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var needed = line.Length == 0 ? word.Length : line.Length + 1 + word.Length;
            if (needed <= perLine)
            {
                if (line.Length > 0)
                    line.Append(' ');
                line.Append(word);
                continue;
            }

            if (line.Length > 0)
                lines.Add(line.ToString());
            line.Clear();
            var rest = word;
            while (rest.Length > perLine)
            {
                lines.Add(rest[..perLine]);
                rest = rest[perLine..];
            }

            line.Append(rest);
        }

        if (line.Length > 0)
            lines.Add(line.ToString());
        return lines;
    }

    private static void FillRect(ImageFrame image, int left, int top, int width, int height, BgrColour colour)
    {
        var x0 = Math.Max(0, left);
        var x1 = Math.Min(image.Width, left + width);
        var y0 = Math.Max(0, top);
        var y1 = Math.Min(image.Height, top + height);
        var pixels = image.Pixels.Span;
        for (var y = y0; y < y1; y++)
        {
            var row = pixels.Slice(y * image.Stride, image.Width * 3);
            for (var x = x0; x < x1; x++)
            {
                row[x * 3] = colour.B;
                row[(x * 3) + 1] = colour.G;
                row[(x * 3) + 2] = colour.R;
            }
        }
    }

    private static void Blend(Span<byte> pixel, BgrColour colour, double opacity)
    {
        pixel[0] = (byte)Math.Round((pixel[0] * (1 - opacity)) + (colour.B * opacity));
        pixel[1] = (byte)Math.Round((pixel[1] * (1 - opacity)) + (colour.G * opacity));
        pixel[2] = (byte)Math.Round((pixel[2] * (1 - opacity)) + (colour.R * opacity));
    }

    private static string Ascii(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
            builder.Append(rune.Value is >= 32 and < 127 ? (char)rune.Value : Rune.IsWhiteSpace(rune) ? ' ' : '?');
        return builder.ToString();
    }
}
