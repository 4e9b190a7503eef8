namespace EdgePali.Quantize.Vae;

/// <summary>One array from a .npy/.npz file, converted to float32, row-major (C order).</summary>
public sealed record NpyArray(string Name, int[] Shape, float[] Data)
{
    public string ShapeText => "(" + string.Join(", ", Shape) + ")";
}
