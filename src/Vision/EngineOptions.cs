using System.ComponentModel.DataAnnotations;
using EdgePali.Vision.Inference;

namespace EdgePali.Vision;

/// <summary>How to load and run the model. Settable so the worker can bind it from configuration and validate it at start.</summary>
public sealed class EngineOptions
{
    /// <summary>The model package folder (config.json, tokenizer.json, onnx/).</summary>
    [Required(ErrorMessage = "EngineOptions.ModelDirectory is required: the folder holding config.json and onnx/.")]
    public string ModelDirectory { get; set; } = "";

    /// <summary>Variant by file suffix: fp32, int8, q4, quantized, fp16... Null picks the first complete one of int8, q4, quantized, uint8, fp32.</summary>
    public string? Variant { get; set; }

    /// <summary>Check files against edgepali.json (size and sha256) before serving. Costs a few seconds per GB at start.</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>Upper bound for any per-call token limit, whatever a task or caller asks.</summary>
    [Range(1, 8192)]
    public int MaxNewTokensLimit { get; set; } = 512;

    /// <summary>
    /// Benchmarks only: never pick eos, so every call generates exactly its token limit and runs compare
    /// (the same as transformers.js' min_new_tokens, which sets eos logits to -inf). Off for real use.
    /// </summary>
    public bool SuppressEos { get; set; }

    /// <summary>Execution providers per model part, threads and session options.</summary>
    public ExecutionProviderOptions ExecutionProviders { get; init; } = new();
}
