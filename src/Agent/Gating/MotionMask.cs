using System.Globalization;

namespace EdgePali.Agent.Gating;

/// <summary>Masked areas of the motion gate: polygons in 0..1 frame coordinates, rasterised onto the gate's small grid.</summary>
public static class MotionMask
{
    /// <summary>Parses "x1,y1,x2,y2,x3,y3[,...]"; null with <paramref name="problem"/> set when it is not a polygon in 0..1.</summary>
    public static (double X, double Y)[]? ParsePolygon(string text, out string? problem)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length < 6 || parts.Length % 2 != 0)
        {
            problem = $"'{text}' has {parts.Length} numbers; a polygon needs an even number, at least 6 (three corners).";
            return null;
        }

        var points = new (double X, double Y)[parts.Length / 2];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 1)
            {
                problem = $"'{parts[i]}' in '{text}' is not a number between 0 and 1.";
                return null;
            }

            if (i % 2 == 0)
                points[i / 2].X = value;
            else
                points[i / 2].Y = value;
        }

        problem = null;
        return points;
    }

    /// <summary>True for every grid cell whose centre lies inside any of the polygons.</summary>
    public static bool[] Rasterize(IEnumerable<(double X, double Y)[]> polygons, int width, int height)
    {
        var masked = new bool[width * height];
        foreach (var polygon in polygons)
        {
            for (var y = 0; y < height; y++)
            {
                var py = (y + 0.5) / height;
                for (var x = 0; x < width; x++)
                {
                    if (Contains(polygon, (x + 0.5) / width, py))
                        masked[(y * width) + x] = true;
                }
            }
        }

        return masked;
    }

    // Even-odd ray casting.
    private static bool Contains((double X, double Y)[] polygon, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (xi, yi) = polygon[i];
            var (xj, yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < ((xj - xi) * (y - yi) / (yj - yi)) + xi)
                inside = !inside;
        }

        return inside;
    }
}
