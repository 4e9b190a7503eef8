using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace EdgePali.Quantize.Onnx;

/// <summary>
/// Builds one ONNX model with OnnxSharp's generated onnx.proto classes: nodes with generated value names, small
/// constants inline, large initializers streamed to `&lt;model&gt;.onnx_data`. The protobuf itself only holds
/// the graph structure, so it stays small however big the weights are.
/// </summary>
internal sealed class OnnxGraph : IDisposable
{
    public const int OnnxOpset = 21;
    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>Initializers at least this big go to the external data file; smaller ones stay inline.</summary>
    private const int InlineLimitBytes = 1024;

    private readonly string _modelPath;
    private readonly ModelProto _model;
    private readonly ExternalDataWriter _data;
    private readonly Dictionary<string, int> _nameCounts = new(StringComparer.Ordinal);

    public OnnxGraph(string modelPath, string graphName)
    {
        _modelPath = modelPath;
        _model = new ModelProto
        {
            IrVersion = 10,
            ProducerName = "edgepali-quantize",
            ProducerVersion = BuilderVersion.Value,
            Graph = new GraphProto { Name = graphName },
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OnnxOpset });
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        _data = new ExternalDataWriter(modelPath + "_data");
    }

    /// <summary>
    /// Rewrites an existing model: <paramref name="model"/> keeps its inputs, outputs, metadata and opsets (the
    /// caller refills nodes and initializers); value names already in the graph are reserved so new ones never clash.
    /// </summary>
    public OnnxGraph(string modelPath, ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _modelPath = modelPath;
        _model = model;
        if (!model.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        foreach (var name in model.Graph.Node.SelectMany(n => n.Input.Concat(n.Output).Append(n.Name)).Concat(model.Graph.Initializer.Select(t => t.Name)))
            _nameCounts[name] = 1;
        _data = new ExternalDataWriter(modelPath + "_data");
    }

    public GraphProto Graph => _model.Graph;

    /// <summary>The default-domain opset the model imports.</summary>
    public long Opset => _model.OpsetImport.FirstOrDefault(o => o.Domain.Length == 0 || o.Domain == "ai.onnx")?.Version ?? OnnxOpset;

    /// <summary>A fresh value name: "<paramref name="hint"/>" the first time, then with a counter.</summary>
    public string Name(string hint)
    {
        var n = _nameCounts.GetValueOrDefault(hint);
        _nameCounts[hint] = n + 1;
        if (n == 0)
            return hint;
        var name = $"{hint}_{n}";
        while (_nameCounts.ContainsKey(name))
            name = $"{hint}_{++n}";
        _nameCounts[hint] = n + 1;
        _nameCounts[name] = 1;
        return name;
    }

    public string Input(string name, DataType type, params object[] dims)
    {
        _model.Graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    public void Output(string value, string name, DataType type, params object[] dims)
    {
        if (value != name)
            Node("Identity", [value], name);
        _model.Graph.Output.Add(ValueInfo(name, type, dims));
    }

    private static ValueInfoProto ValueInfo(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int value => new TensorShapeProto.Types.Dimension { DimValue = value },
                long value => new TensorShapeProto.Types.Dimension { DimValue = value },
                _ => throw new ArgumentException($"Dimension {d} must be a string or an integer."),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    /// <summary>Adds a node with one output; returns the output's name.</summary>
    public string Node(string op, IReadOnlyList<string> inputs, string? output = null, string domain = "", params AttributeProto[] attributes)
    {
        output ??= Name(op.ToLowerInvariant());
        NodeMulti(op, inputs, [output], domain, attributes);
        return output;
    }

    public void NodeMulti(string op, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string domain = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Name("n_" + op), Domain = domain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _model.Graph.Node.Add(node);
    }

    public string Op(string op, params string[] inputs) => Node(op, inputs);

    public string Op(string op, string[] inputs, params AttributeProto[] attributes) => Node(op, inputs, null, "", attributes);

    public string Int64s(string hint, params long[] values) => Initializer(Name(hint), DataType.Int64, [values.Length], System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));

    public string Scalar(string hint, float value) => Initializer(Name(hint), DataType.Float, [], BitConverter.GetBytes(value));

    public string Floats(string hint, long[] dims, ReadOnlySpan<float> values) =>
        Initializer(Name(hint), DataType.Float, dims, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));

    /// <summary>Adds an initializer from bytes held in memory: inline when small, external otherwise.</summary>
    public string Initializer(string name, DataType type, long[] dims, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < InlineLimitBytes)
        {
            var tensor = NewTensor(name, type, dims);
            tensor.RawData = ByteString.CopyFrom(bytes);
            _model.Graph.Initializer.Add(tensor);
            return name;
        }

        var sink = BeginInitializer(name, type, dims);
        sink.Write(bytes);
        sink.Complete();
        return name;
    }

    /// <summary>Starts a large initializer whose bytes are streamed in by the caller.</summary>
    public ExternalTensorSink BeginInitializer(string name, DataType type, long[] dims)
    {
        var tensor = NewTensor(name, type, dims);
        _model.Graph.Initializer.Add(tensor);
        return _data.Begin(tensor);
    }

    /// <summary>Adds an initializer that is already complete (inline data), as is.</summary>
    public void AddInlineInitializer(TensorProto tensor) => _model.Graph.Initializer.Add(tensor);

    private static TensorProto NewTensor(string name, DataType type, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    /// <summary>Writes the .onnx file (the graph) next to its external data file.</summary>
    public void Save()
    {
        _data.Flush();
        using var output = File.Create(_modelPath);
        _model.WriteTo(output);
    }

    public void Dispose() => _data.Dispose();

    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
