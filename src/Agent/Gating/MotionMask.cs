namespace EdgePali.Agent.Gating;

/// <summary>Masked areas of the motion gate: polygons in 0..1 frame coordinates, rasterised onto the gate's small grid.</summary>
public static class MotionMask
{
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
