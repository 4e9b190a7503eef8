namespace EdgePali.Vision.Tasks;

/// <summary>One generated token and the probability the model gave it (softmax of the step's logits,
/// after masking ids that may never be generated). Parsers turn these into confidences.</summary>
public readonly record struct GeneratedToken(int Id, float Probability);
