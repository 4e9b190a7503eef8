using EdgePali.Vision.Tokenization;

namespace EdgePali.Vision.Inference;

/// <summary>
/// The token sets of a well-formed detect or segment answer for one list of requested labels, precomputed
/// once so that <see cref="DetectionConstraint"/> can mask logits without allocating:
/// <c>object (separator object)* eos</c> with <c>object = loc loc loc loc [seg x 16] label</c> and
/// <c>separator = (" ;" | ";") [" "]</c>.
/// <para>
/// The separators are what the Gemma tokenizer makes of PaliGemma's own answer format
/// (<c>&lt;loc..&gt;x4 car ; &lt;loc..&gt;x4 person</c>): " car ; " is [" car", " ;", " "] and the next location
/// token follows; ";" without the space is kept so that a model writing " car;" is not forced to change.
/// Labels are stored as a trie over their token ids, each label both with a leading space (" car", as the
/// answers have it) and without ("car"); multi-token labels (" traffic", " light") are paths. Each trie node
/// knows the fewest tokens to the end of a label, so a label is only started or extended when the token limit
/// leaves room to finish it.
/// </para>
/// </summary>
internal sealed class DetectionGrammar
{
    /// <summary>Location tokens per object (y_min, x_min, y_max, x_max).</summary>
    public const int BoxTokens = 4;

    /// <summary>Trie root: the node before a label's first token.</summary>
    public const int Root = 0;

    // Trie, flattened: node n's children are _childTokens/_childNodes[_firstChild[n] .. _firstChild[n + 1]),
    // sorted by token id so the allowed set comes out ordered.
    private readonly int[] _firstChild;
    private readonly int[] _childTokens;
    private readonly int[] _childNodes;
    private readonly bool[] _labelEnds;
    private readonly int[] _tokensToLabelEnd;

    private DetectionGrammar(bool segment, int[] separatorIds, int spaceId, List<Dictionary<int, int>> children, List<bool> labelEnds)
    {
        Segment = segment;
        SeparatorIds = separatorIds;
        SpaceId = spaceId;
        var nodes = children.Count;
        _firstChild = new int[nodes + 1];
        _labelEnds = [.. labelEnds];
        var edges = children.Sum(c => c.Count);
        _childTokens = new int[edges];
        _childNodes = new int[edges];
        var e = 0;
        for (var n = 0; n < nodes; n++)
        {
            _firstChild[n] = e;
            foreach (var (token, child) in children[n].OrderBy(kv => kv.Key))
            {
                _childTokens[e] = token;
                _childNodes[e++] = child;
            }
        }

        _firstChild[nodes] = e;
        MaxChildren = children.Max(c => c.Count);
        _tokensToLabelEnd = new int[nodes];
        for (var n = nodes - 1; n >= 0; n--)
        {
            // Children always have higher node numbers than their parent (built depth-first by insertion).
            var best = _labelEnds[n] ? 0 : int.MaxValue;
            for (var c = _firstChild[n]; c < _firstChild[n + 1]; c++)
                best = Math.Min(best, 1 + _tokensToLabelEnd[_childNodes[c]]);
            _tokensToLabelEnd[n] = best;
        }

        ObjectTokens = BoxTokens + (segment ? Tasks.DetectionParser.SegmentCodeCount : 0) + _tokensToLabelEnd[Root];
    }

    /// <summary>Whether objects carry 16 segmentation tokens after the box (segment answers).</summary>
    public bool Segment { get; }

    /// <summary>" ;" and ";": what may follow a label when another object comes.</summary>
    public int[] SeparatorIds { get; }

    /// <summary>" ": optional between a separator and the next object's first location token.</summary>
    public int SpaceId { get; }

    /// <summary>The most tokens that may follow any trie node (sizes the constraint's buffer).</summary>
    public int MaxChildren { get; }

    /// <summary>The fewest tokens one object takes (box, codes, shortest label).</summary>
    public int ObjectTokens { get; }

    /// <summary>Builds the grammar for <paramref name="labels"/> (trimmed; empty ones ignored).</summary>
    /// <exception cref="ArgumentException">No label has any text.</exception>
    public static DetectionGrammar Build(IReadOnlyList<string> labels, bool segment, GemmaTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var children = new List<Dictionary<int, int>> { new() };
        var labelEnds = new List<bool> { false };
        foreach (var raw in labels)
        {
            var label = raw.Trim();
            if (label.Length == 0)
                continue;
            Insert(tokenizer.Encode(" " + label), children, labelEnds);
            Insert(tokenizer.Encode(label), children, labelEnds);
        }

        if (children[Root].Count == 0)
            throw new ArgumentException("Constrained decoding needs at least one label with text.", nameof(labels));

        return new DetectionGrammar(segment, [SingleToken(tokenizer, " ;"), SingleToken(tokenizer, ";")], SingleToken(tokenizer, " "), children, labelEnds);
    }

    /// <summary>The tokens that may follow trie node <paramref name="node"/> (sorted), and the node each leads to.</summary>
    public ReadOnlySpan<int> ChildTokens(int node) => _childTokens.AsSpan(_firstChild[node], _firstChild[node + 1] - _firstChild[node]);

    public ReadOnlySpan<int> ChildNodes(int node) => _childNodes.AsSpan(_firstChild[node], _firstChild[node + 1] - _firstChild[node]);

    /// <summary>Whether the tokens up to <paramref name="node"/> spell a whole label.</summary>
    public bool IsLabelEnd(int node) => _labelEnds[node];

    /// <summary>Fewest further tokens from <paramref name="node"/> to the end of a label (0 at a label's end).</summary>
    public int TokensToLabelEnd(int node) => _tokensToLabelEnd[node];

    private static void Insert(int[] ids, List<Dictionary<int, int>> children, List<bool> labelEnds)
    {
        // A label written with special tokens ("<loc0001>", "<eos>") could not be told apart from the answer's
        // structure, so it can only be matched unconstrained.
        if (ids.Length == 0 || ids.Any(id => id is <= PaliGemmaTokens.Bos or >= PaliGemmaTokens.FirstLocation))
            return;
        var node = Root;
        foreach (var id in ids)
        {
            if (!children[node].TryGetValue(id, out var next))
            {
                next = children.Count;
                children.Add([]);
                labelEnds.Add(false);
                children[node][id] = next;
            }

            node = next;
        }

        labelEnds[node] = true;
    }

    private static int SingleToken(GemmaTokenizer tokenizer, string text)
    {
        var ids = tokenizer.Encode(text);
        if (ids.Length != 1)
            throw new InvalidOperationException($"The tokenizer encodes '{text}' as {ids.Length} tokens; PaliGemma's Gemma tokenizer has one piece for it.");
        return ids[0];
    }
}
