namespace EdgePali.Quantize.Checkpoints;

/// <summary>Element types a checkpoint may store weights in (safetensors "BF16", "F16", "F32").</summary>
public enum CheckpointDType
{
    Bf16,
    Fp16,
    Fp32,
}

internal static class CheckpointDTypes
{
    public static int ByteSize(this CheckpointDType dtype) => dtype == CheckpointDType.Fp32 ? 4 : 2;

    public static string SafetensorsName(this CheckpointDType dtype) => dtype switch
    {
        CheckpointDType.Bf16 => "BF16",
        CheckpointDType.Fp16 => "F16",
        _ => "F32",
    };

    public static CheckpointDType? FromSafetensorsName(string name) => name switch
    {
        "BF16" => CheckpointDType.Bf16,
        "F16" => CheckpointDType.Fp16,
        "F32" => CheckpointDType.Fp32,
        _ => null,
    };

    /// <summary>Widens stored elements to float32 (bf16 is the top half of a float32; fp16 via Half).</summary>
    public static void ToFloat(CheckpointDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case CheckpointDType.Fp32:
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case CheckpointDType.Bf16:
                {
                    var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(source);
                    for (var i = 0; i < bits.Length; i++)
                        destination[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
                    break;
                }
            default:
                {
                    var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(source);
                    for (var i = 0; i < halves.Length; i++)
                        destination[i] = (float)halves[i];
                    break;
                }
        }
    }

    /// <summary>Narrows float32 to the stored type; bf16 rounds to nearest even as PyTorch does.</summary>
    public static void FromFloat(CheckpointDType dtype, ReadOnlySpan<float> source, Span<byte> destination)
    {
        switch (dtype)
        {
            case CheckpointDType.Fp32:
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(source).CopyTo(destination);
                break;
            case CheckpointDType.Bf16:
                {
                    var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(destination);
                    for (var i = 0; i < source.Length; i++)
                        bits[i] = ToBf16Bits(source[i]);
                    break;
                }
            default:
                {
                    var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(destination);
                    for (var i = 0; i < source.Length; i++)
                        halves[i] = (Half)source[i];
                    break;
                }
        }
    }

    public static ushort ToBf16Bits(float value)
    {
        var bits = (uint)BitConverter.SingleToInt32Bits(value);
        if (float.IsNaN(value))
            return 0x7FC0;
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
