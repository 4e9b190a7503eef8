using System.Text;
using EdgePali.Vision.Tasks;

namespace EdgePali.Agent.Publishing;

/// <summary>
/// COCO run-length encoding of a binary mask over the whole frame, as pycocotools writes it
/// (`{"size": [height, width], "counts": "..."}`): runs over the pixels in column-major order starting with a
/// run of zeros, compressed to the LEB128-like string of pycocotools' rleToString (maskApi.c). Any COCO tool
/// decodes it (pycocotools.mask.decode).
/// </summary>
public static class CocoRle
{
    /// <summary>The runs of <paramref name="mask"/> placed in a <paramref name="frameWidth"/> x <paramref name="frameHeight"/> frame (pixels outside the frame are cut).</summary>
    public static List<long> Runs(ObjectMask mask, int frameWidth, int frameHeight)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var bytePerPixel = mask.Bits.Length == mask.Width * mask.Height;
        if (!bytePerPixel && mask.Bits.Length != ((mask.Width * mask.Height) + 7) / 8)
        {
            throw new ArgumentException($"Mask of {mask.Width}x{mask.Height} has {mask.Bits.Length} bytes: neither one byte per pixel nor packed bits.", nameof(mask));
        }

        var runs = new List<long>();
        var current = false;
        long run = 0;
        for (var x = 0; x < frameWidth; x++)
        {
            var mx = x - mask.Left;
            for (var y = 0; y < frameHeight; y++)
            {
                var my = y - mask.Top;
                var on = mx >= 0 && mx < mask.Width && my >= 0 && my < mask.Height && IsSet(mask, bytePerPixel, (my * mask.Width) + mx);
                if (on != current)
                {
                    runs.Add(run);
                    run = 0;
                    current = on;
                }

                run++;
            }
        }

        runs.Add(run);
        return runs;
    }

    /// <summary>The compressed counts string (pycocotools rleToString).</summary>
    public static string Compress(IReadOnlyList<long> runs)
    {
        var text = new StringBuilder(runs.Count * 2);
        for (var i = 0; i < runs.Count; i++)
        {
            var x = runs[i];
            if (i > 2)
            {
                x -= runs[i - 2];
            }

            var more = true;
            while (more)
            {
                var c = (int)(x & 0x1f);
                x >>= 5;
                more = (c & 0x10) != 0 ? x != -1 : x != 0;
                if (more)
                {
                    c |= 0x20;
                }

                text.Append((char)(c + 48));
            }
        }

        return text.ToString();
    }

    /// <summary>Inverse of <see cref="Compress"/> (pycocotools rleFrString).</summary>
    public static List<long> Decompress(string counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var runs = new List<long>();
        var p = 0;
        while (p < counts.Length)
        {
            long x = 0;
            var k = 0;
            var more = true;
            while (more)
            {
                long c = counts[p] - 48;
                x |= (c & 0x1f) << (5 * k);
                more = (c & 0x20) != 0;
                p++;
                k++;
                if (!more && (c & 0x10) != 0)
                {
                    x |= -1L << (5 * k);
                }
            }

            if (runs.Count > 2)
            {
                x += runs[^2];
            }

            runs.Add(x);
        }

        return runs;
    }

    private static bool IsSet(ObjectMask mask, bool bytePerPixel, int index) =>
        bytePerPixel ? mask.Bits[index] != 0 : (mask.Bits[index >> 3] & (0x80 >> (index & 7))) != 0;
}
