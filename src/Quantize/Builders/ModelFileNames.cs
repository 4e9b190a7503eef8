namespace EdgePali.Quantize.Builders;

/// <summary>File names of a package, in the layout transformers.js exports use (onnx/&lt;part&gt;&lt;suffix&gt;.onnx).</summary>
public static class ModelFileNames
{
    public const string OnnxFolder = "onnx";
    public const string VisionEncoder = "vision_encoder";
    public const string EmbedTokens = "embed_tokens";
    public const string Decoder = "decoder_model_merged";
    public const string Manifest = "edgepali.json";

    public static string RelativePath(string part, WeightFormat format) => $"{OnnxFolder}/{part}{format.Suffix()}.onnx";
}
