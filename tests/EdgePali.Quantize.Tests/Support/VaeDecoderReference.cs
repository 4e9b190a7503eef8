using EdgePali.Quantize.Vae;

namespace EdgePali.Quantize.Tests.Support;

/// <summary>
/// The VQ-VAE decoder written out plainly from big_vision's description (test-only, slow, readable):
/// codebook lookup, row-major 4x4 grid, PyTorch Conv2d / ConvTranspose2d semantics on [C,H,W] arrays.
/// The transposed convolution is written in its scatter form (each input pixel spreads its kernel over the
/// output), independent of how ONNX Runtime computes it.
/// </summary>
internal static class VaeDecoderReference
{
    public static float[] Decode(VaeDecoderWeights w, IReadOnlyList<int> codes)
    {
        var d = w.EmbeddingDim;
        var codebook = w[VaeDecoderWeights.CodebookKey].Data;
        var x = new float[d, 4, 4];
        for (var k = 0; k < 16; k++)
        {
            for (var c = 0; c < d; c++)
                x[c, k / 4, k % 4] = codebook[(codes[k] * d) + c];
        }

        x = Relu(Conv(w, "decoder.0", x));
        foreach (var block in VaeDecoderWeights.ResidualBlocks)
        {
            var h = Relu(Conv(w, $"{block}.0", x));
            h = Relu(Conv(w, $"{block}.2", h));
            h = Conv(w, $"{block}.4", h);
            x = Add(h, x);
        }

        foreach (var (name, _, _) in VaeDecoderWeights.Upsamplers)
            x = Relu(ConvTranspose(w, name, x));

        x = Conv(w, "decoder.12", x);
        var mask = new float[64 * 64];
        for (var y = 0; y < 64; y++)
        {
            for (var xx = 0; xx < 64; xx++)
                mask[(y * 64) + xx] = x[0, y, xx];
        }

        return mask;
    }

    /// <summary>PyTorch Conv2d, stride 1, padding kernel/2 ("same").</summary>
    private static float[,,] Conv(VaeDecoderWeights w, string layer, float[,,] input)
    {
        var weight = w[layer + ".weight"];
        var bias = w[layer + ".bias"].Data;
        int outC = weight.Shape[0], inC = weight.Shape[1], k = weight.Shape[2], pad = k / 2;
        int h = input.GetLength(1), width = input.GetLength(2);
        var output = new float[outC, h, width];
        for (var o = 0; o < outC; o++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    double sum = bias[o];
                    for (var i = 0; i < inC; i++)
                    {
                        for (var ky = 0; ky < k; ky++)
                        {
                            for (var kx = 0; kx < k; kx++)
                            {
                                int sy = y + ky - pad, sx = x + kx - pad;
                                if (sy >= 0 && sy < h && sx >= 0 && sx < width)
                                    sum += input[i, sy, sx] * weight.Data[(((((o * inC) + i) * k) + ky) * k) + kx];
                            }
                        }
                    }

                    output[o, y, x] = (float)sum;
                }
            }
        }

        return output;
    }

    /// <summary>PyTorch ConvTranspose2d(kernel 4, stride 2, padding 1): out[oy] gets in[iy] * W at oy = 2*iy - 1 + ky.</summary>
    private static float[,,] ConvTranspose(VaeDecoderWeights w, string layer, float[,,] input)
    {
        var weight = w[layer + ".weight"];
        var bias = w[layer + ".bias"].Data;
        int inC = weight.Shape[0], outC = weight.Shape[1];
        int h = input.GetLength(1), width = input.GetLength(2);
        var sum = new double[outC, h * 2, width * 2];
        for (var i = 0; i < inC; i++)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < width; x++)
                {
                    var v = input[i, y, x];
                    for (var o = 0; o < outC; o++)
                    {
                        for (var ky = 0; ky < 4; ky++)
                        {
                            for (var kx = 0; kx < 4; kx++)
                            {
                                int oy = (2 * y) - 1 + ky, ox = (2 * x) - 1 + kx;
                                if (oy >= 0 && oy < h * 2 && ox >= 0 && ox < width * 2)
                                    sum[o, oy, ox] += v * weight.Data[(((((i * outC) + o) * 4) + ky) * 4) + kx];
                            }
                        }
                    }
                }
            }
        }

        var output = new float[outC, h * 2, width * 2];
        for (var o = 0; o < outC; o++)
        {
            for (var y = 0; y < h * 2; y++)
            {
                for (var x = 0; x < width * 2; x++)
                    output[o, y, x] = (float)(sum[o, y, x] + bias[o]);
            }
        }

        return output;
    }

    private static float[,,] Relu(float[,,] a)
    {
        var r = (float[,,])a.Clone();
        for (var c = 0; c < r.GetLength(0); c++)
        {
            for (var y = 0; y < r.GetLength(1); y++)
            {
                for (var x = 0; x < r.GetLength(2); x++)
                    r[c, y, x] = Math.Max(0, r[c, y, x]);
            }
        }

        return r;
    }

    private static float[,,] Add(float[,,] a, float[,,] b)
    {
        var r = (float[,,])a.Clone();
        for (var c = 0; c < r.GetLength(0); c++)
        {
            for (var y = 0; y < r.GetLength(1); y++)
            {
                for (var x = 0; x < r.GetLength(2); x++)
                    r[c, y, x] += b[c, y, x];
            }
        }

        return r;
    }
}
