using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using EdgePali.Quantize.Onnx;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Rewriting.Qdq;

/// <summary>One calibration input: the float values of a graph input and their shape.</summary>
internal sealed record CalibrationInput(string Name, float[] Values, long[] Shape);

/// <summary>
/// Collects activation ranges the way ORT's Python calibrators do: the float model, with every tensor of interest
/// added as an extra graph output, runs on each calibration input; each output feeds its tensor's
/// <see cref="RangeCollector"/>. The augmented graph is handed to ORT from memory, with the source's folder as the
/// external-data folder, so the weights are read where they are and nothing is written next to the source.
/// </summary>
internal static class ActivationCalibrator
{
    public static Dictionary<string, TensorRange> Collect(
        OnnxModelSource source,
        IReadOnlyList<string> tensors,
        IReadOnlyList<IReadOnlyList<CalibrationInput>> inputs,
        CalibrationMethod method,
        double percentile,
        Action<int> inputDone,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
            throw new QuantizeException("No calibration inputs: give --calibration a folder with images or a video with frames.");
        var collectors = tensors.ToDictionary(t => t, _ => RangeCollector.Create(method, percentile), StringComparer.Ordinal);
        var graphInputs = source.Model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var outputNames = tensors.Where(t => !graphInputs.Contains(t)).ToArray();

        var augmented = source.Model.Clone();
        var existing = augmented.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in outputNames.Where(n => !existing.Contains(n)))
        {
            augmented.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)DataType.Float } },
            });
        }

        using var options = new SessionOptions();
        options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", source.Directory);
        InferenceSession session;
        try
        {
            session = new InferenceSession(augmented.ToByteArray(), options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new QuantizeException($"ONNX Runtime cannot load '{source.Path}' for calibration: {e.Message}", e);
        }

        using (session)
        using (var runOptions = new RunOptions())
        {
            for (var n = 0; n < inputs.Count; n++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var feed = inputs[n];
                var values = new List<OrtValue>();
                try
                {
                    foreach (var input in feed)
                    {
                        values.Add(OrtValue.CreateTensorValueFromMemory(input.Values, input.Shape));
                        if (collectors.TryGetValue(input.Name, out var inputCollector))
                            inputCollector.Add(input.Values);
                    }

                    using var outputs = session.Run(runOptions, feed.Select(f => f.Name).ToArray(), values, outputNames);
                    for (var i = 0; i < outputNames.Length; i++)
                        collectors[outputNames[i]].Add(outputs[i].GetTensorDataAsSpan<float>());
                }
                catch (OnnxRuntimeException e)
                {
                    throw new QuantizeException($"Calibration run {n + 1} of '{source.Path}' failed: {e.Message}", e);
                }
                finally
                {
                    foreach (var v in values)
                        v.Dispose();
                }

                inputDone(n);
            }
        }

        return collectors.ToDictionary(c => c.Key, c => c.Value.Range(), StringComparer.Ordinal);
    }
}
