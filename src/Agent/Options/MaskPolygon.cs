using System.Globalization;

namespace EdgePali.Agent.Options;

/// <summary>The Motion:Masks setting's polygon text, in 0..1 frame coordinates: read by the validator and by the motion gate.</summary>
public static class MaskPolygon
{
    /// <summary>Parses "x1,y1,x2,y2,x3,y3[,...]"; null with <paramref name="problem"/> set when it is not a polygon in 0..1.</summary>
    public static (double X, double Y)[]? Parse(string text, out string? problem)
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
}
