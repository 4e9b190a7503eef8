namespace EdgePali.Vision.Imaging;

/// <summary>An 8-bit colour in the byte order of <see cref="ImagePixelFormat.Bgr24"/> images.</summary>
public readonly record struct BgrColour(byte B, byte G, byte R)
{
    /// <summary>Black, for text and outlines on light areas.</summary>
    public static BgrColour Black => new(0, 0, 0);

    /// <summary>White, for text on dark label backgrounds.</summary>
    public static BgrColour White => new(255, 255, 255);

    /// <summary>Perceived brightness (ITU-R BT.601 luma), 0..255: picks black or white ink on a fill of this colour.</summary>
    public double Brightness => (0.114 * B) + (0.587 * G) + (0.299 * R);
}
