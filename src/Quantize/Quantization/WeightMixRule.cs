namespace EdgePali.Quantize.Quantization;

/// <summary>One parsed `--mix` rule: a scope (part, optional layer range, optional kind) and the format it sets.</summary>
public sealed record WeightMixRule(LinearPart Part, (int First, int Last)? Layers, LinearKind? Kind, LinearFormat Format)
{
    public bool Matches(LinearScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        if (scope.Part != Part)
            return false;
        if (Layers is { } range && (scope.Layer is not int layer || layer < range.First || layer > range.Last))
            return false;
        return Kind is null || scope.Kind == Kind;
    }

    public override string ToString()
    {
        var scope = Part switch
        {
            LinearPart.Vision => "vision",
            LinearPart.Projector => "projector",
            LinearPart.Decoder => "decoder",
            LinearPart.LmHead => "lm_head",
            _ => "embed",
        };
        if (Layers is { } range)
            scope += range.First == range.Last ? $".layers.{range.First}" : $".layers.{range.First}-{range.Last}";
        if (Kind is { } kind)
            scope += kind == LinearKind.Attention ? ".attention" : ".mlp";
        var format = Format switch
        {
            { Bits: null } => "fp32",
            { PerTokenActivations: true } => "w8a8",
            _ => $"int{Format.Bits}@{Format.AccuracyLevel}",
        };
        return $"{scope}={format}";
    }
}
