namespace EdgePali.Vision.Imaging;

/// <summary>
/// A 5x8 pixel font for printable ASCII (32..126; rows 0-6 the body, row 7 descenders), drawn for this project,
/// scaled by whole pixels. Hand-written because no font rasteriser is available without a native library or a
/// font file on the board (ImageSharp.Drawing and its fonts are not served), and boxes and tags need only a
/// small, legible, dependency-free face.
/// </summary>
internal static class BitmapFont
{
    public const int GlyphWidth = 5;

    /// <summary>Rows above the baseline.</summary>
    public const int Ascent = 7;

    /// <summary>Rows below the baseline (descenders of g, j, p, q, y).</summary>
    public const int Descent = 1;

    /// <summary>Horizontal step from one character to the next, in font pixels (one blank column between glyphs).</summary>
    public const int Advance = GlyphWidth + 1;

    // One 40-bit word per character from ' ' (32) to '~' (126): row r (0 = top) is bits 5r..5r+4, the
    // leftmost pixel in the highest of those five bits.
    private static readonly ulong[] Glyphs =
    [
        0x0000000000, 0x0100421084, 0x000000294A, 0x0295F57D4A, 0x013C5751E4, 0x00E6820B38,
        0x036554524C, 0x0000002084, 0x0088842082, 0x0208210888, 0x0009575480, 0x00084F9080,
        0x0208C00000, 0x00000F8000, 0x0318000000, 0x0020820820, 0x03A39ACE2E, 0x0388421184,
        0x07D041062E, 0x03A211105F, 0x0085F928C2, 0x03A210FA1F, 0x03A31F4106, 0x021082083F,
        0x03A317462E, 0x030417C62E, 0x0018C03180, 0x0208C03180, 0x0088882082, 0x0001F07C00,
        0x0208208888, 0x010041062E, 0x03AB56862E, 0x04631FC62E, 0x07A31F463E, 0x03A308422E,
        0x072518C65C, 0x07E10F421F, 0x04210F421F, 0x03E31BC22E, 0x04631FC631, 0x038842108E,
        0x0324210847, 0x04654C5251, 0x07E1084210, 0x04631AD771, 0x04633AE631, 0x03A318C62E,
        0x04210F463E, 0x036558C62E, 0x04654F463E, 0x078217420F, 0x010842109F, 0x03A318C631,
        0x011518C631, 0x02AB5AC631, 0x0462A22A31, 0x0108422A31, 0x07E082083F, 0x039084210E,
        0x0002222200, 0x038421084E, 0x0000004544, 0x07C0000000, 0x0000000888, 0x03E2F0B800,
        0x07A31CDA10, 0x03A3083800, 0x03E319B421, 0x03A1F8B800, 0x02108E2126, 0x705F18BC00,
        0x04631CDA10, 0x0388423004, 0x6484211802, 0x04A98A4A10, 0x038842108C, 0x04635AE800,
        0x04631CD800, 0x03A318B800, 0x843D18F800, 0x085F18BC00, 0x04210CD800, 0x0782E83800,
        0x0192847108, 0x036718C400, 0x011518C400, 0x02AB58C400, 0x0454454400, 0x705F18C400,
        0x07D0417C00, 0x0088441082, 0x0108421084, 0x0208411088, 0x00002AA000,
    ];

    /// <summary>Width in image pixels of <paramref name="text"/> at <paramref name="scale"/> (no trailing blank column).</summary>
    public static int Measure(ReadOnlySpan<char> text, int scale) => text.Length == 0 ? 0 : ((text.Length * Advance) - 1) * scale;

    /// <summary>
    /// Draws <paramref name="text"/> with its baseline at <paramref name="baselineY"/> and its left edge at
    /// <paramref name="left"/>, clipped to the image. Characters outside printable ASCII are drawn as '?'.
    /// </summary>
    public static void Draw(ImageFrame image, ReadOnlySpan<char> text, int left, int baselineY, int scale, BgrColour ink)
    {
        var pixels = image.Pixels.Span;
        var top = baselineY - (Ascent * scale);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i] is >= ' ' and <= '~' ? text[i] : '?';
            var glyph = Glyphs[c - ' '];
            var x0 = left + (i * Advance * scale);
            for (var row = 0; row < Ascent + Descent; row++)
            {
                var bits = (int)(glyph >> (5 * row)) & 0x1F;
                if (bits == 0)
                    continue;
                for (var column = 0; column < GlyphWidth; column++)
                {
                    if ((bits & (0x10 >> column)) != 0)
                        Fill(image, pixels, x0 + (column * scale), top + (row * scale), scale, ink);
                }
            }
        }
    }

    private static void Fill(ImageFrame image, Span<byte> pixels, int x, int y, int scale, BgrColour ink)
    {
        var x1 = Math.Min(image.Width, x + scale);
        var y1 = Math.Min(image.Height, y + scale);
        for (var yy = Math.Max(0, y); yy < y1; yy++)
        {
            var row = pixels.Slice(yy * image.Stride, image.Width * 3);
            for (var xx = Math.Max(0, x); xx < x1; xx++)
            {
                row[xx * 3] = ink.B;
                row[(xx * 3) + 1] = ink.G;
                row[(xx * 3) + 2] = ink.R;
            }
        }
    }
}
