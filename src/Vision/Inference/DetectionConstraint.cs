namespace EdgePali.Vision.Inference;

/// <summary>
/// Constrained decoding for detect and segment answers: a logits processor (ORT GenAI's Search-side logit
/// processing, kept apart from <see cref="GenerationState"/>) that walks a <see cref="DetectionGrammar"/> token by
/// token and sets the logits of every token the grammar does not allow next to -inf, in place. The answer then
/// always parses: four location tokens with y_max &gt; y_min and x_max &gt; x_min, 16 segmentation tokens for
/// segment answers, one of the requested labels, then a separator and the next object, or eos.
/// <para>
/// The token limit is part of the grammar: an object, or a longer label, is only started when the tokens left
/// can finish it, so the limit never cuts an object in half; when nothing but eos is left to say,
/// <see cref="AllowsOnlyEnd"/> lets the generator stop without running the decoder again.
/// </para>
/// One instance per engine, reused: <see cref="Start"/> points it at a grammar; masking and advancing allocate nothing.
/// </summary>
internal sealed class DetectionConstraint
{
    private const int LastLocation = PaliGemmaTokens.FirstLocation + PaliGemmaTokens.LocationCount - 1;

    private (int Start, int End)[] _allowed = new (int, int)[16];
    private int _allowedCount;
    private DetectionGrammar? _grammar;
    private int[] _eosIds = [];
    private bool _allowEos;
    private Phase _phase;
    private int _position;   // box or code tokens written in the current phase
    private int _yMin;
    private int _xMin;
    private int _node;

    private enum Phase
    {
        Start,
        Separator,
        Space,
        Box,
        Codes,
        Label,
    }

    /// <summary>The grammar of the generation in progress.</summary>
    public DetectionGrammar Grammar => _grammar ?? throw new InvalidOperationException("DetectionConstraint used before Start.");

    /// <summary>Starts a new answer under <paramref name="grammar"/>.</summary>
    /// <param name="grammar">The label grammar the answer must follow.</param>
    /// <param name="eosIds">The model's eos ids.</param>
    /// <param name="allowEos">False when eos is suppressed (benchmarks): the answer then ends only when the grammar allows nothing else.</param>
    public void Start(DetectionGrammar grammar, int[] eosIds, bool allowEos)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        ArgumentNullException.ThrowIfNull(eosIds);
        _grammar = grammar;
        _eosIds = eosIds;
        _allowEos = allowEos;
        _phase = Phase.Start;
        _position = 0;
        _node = DetectionGrammar.Root;
        var most = grammar.MaxChildren + eosIds.Length + grammar.SeparatorIds.Length + 2;
        if (_allowed.Length < most)
            _allowed = new (int, int)[most];
    }

    /// <summary>True when, with <paramref name="remaining"/> tokens left (eos included), the grammar allows nothing but eos.</summary>
    public bool AllowsOnlyEnd(int remaining) => Collect(remaining, includeEos: false) == 0;

    /// <summary>
    /// Sets every logit the grammar does not allow next to -inf, in place. <paramref name="remaining"/> is how many
    /// tokens may still be generated, this one and eos included. Returns the lowest allowed id (what to pick
    /// when all allowed logits are -inf or NaN, i.e. the graph produced garbage).
    /// </summary>
    public int Mask(Span<float> logits, int remaining)
    {
        var count = Collect(remaining, includeEos: _allowEos);
        if (count == 0)
            throw new InvalidOperationException("The grammar allows no token here; check AllowsOnlyEnd before asking for one.");

        var allowed = _allowed.AsSpan(0, count);
        allowed.Sort();
        var from = 0;
        foreach (var (start, end) in allowed)
        {
            if (start > from)
                logits[from..Math.Min(start, logits.Length)].Fill(float.NegativeInfinity);
            from = Math.Max(from, end);
        }

        if (from < logits.Length)
            logits[from..].Fill(float.NegativeInfinity);
        return allowed[0].Start;
    }

    /// <summary>Moves past <paramref name="tokenId"/>, which must be one the last <see cref="Mask"/> allowed (eos ends the answer and is not passed).</summary>
    public void Advance(int tokenId)
    {
        var grammar = Grammar;
        switch (_phase)
        {
            case Phase.Start or Phase.Separator or Phase.Space when PaliGemmaTokens.IsLocation(tokenId):
                _yMin = tokenId - PaliGemmaTokens.FirstLocation;
                (_phase, _position) = (Phase.Box, 1);
                return;
            case Phase.Separator when tokenId == grammar.SpaceId:
                _phase = Phase.Space;
                return;
            case Phase.Box when PaliGemmaTokens.IsLocation(tokenId):
                if (_position == 1)
                    _xMin = tokenId - PaliGemmaTokens.FirstLocation;
                if (++_position == DetectionGrammar.BoxTokens)
                    StartCodesOrLabel(grammar.Segment);
                return;
            case Phase.Codes when PaliGemmaTokens.IsSegment(tokenId):
                if (++_position == Tasks.DetectionParser.SegmentCodeCount)
                    StartCodesOrLabel(segment: false);
                return;
            case Phase.Label:
                var child = grammar.ChildTokens(_node).BinarySearch(tokenId);
                if (child >= 0)
                {
                    _node = grammar.ChildNodes(_node)[child];
                    return;
                }

                if (grammar.IsLabelEnd(_node) && Array.IndexOf(grammar.SeparatorIds, tokenId) >= 0)
                {
                    _phase = Phase.Separator;
                    return;
                }

                break;
        }

        throw new InvalidOperationException($"Token {tokenId} does not continue the answer here ({_phase}); the constraint's mask was not applied.");
    }

    private void StartCodesOrLabel(bool segment)
    {
        (_phase, _position, _node) = (segment ? Phase.Codes : Phase.Label, 0, DetectionGrammar.Root);
    }

    /// <summary>Writes the allowed id ranges [Start, End) into _allowed; returns how many.</summary>
    private int Collect(int remaining, bool includeEos)
    {
        var grammar = Grammar;
        _allowedCount = 0;
        var objectFits = remaining >= grammar.ObjectTokens;
        var separatorFits = remaining >= 1 + grammar.ObjectTokens;
        switch (_phase)
        {
            case Phase.Start:
                if (objectFits)
                    AddFirstBoxToken();
                if (includeEos)
                    AddEos();
                break;
            case Phase.Separator:
                // A separator was only allowed with room for a whole object after it.
                if (separatorFits)
                    Add(grammar.SpaceId);
                AddFirstBoxToken();
                break;
            case Phase.Space:
                AddFirstBoxToken();
                break;
            case Phase.Box:
                // y_max must exceed y_min and x_max x_min, or the parser drops the box.
                if (_position == 1)
                    AddFirstBoxToken();
                else
                    Add(PaliGemmaTokens.FirstLocation + (_position == 2 ? _yMin : _xMin) + 1, LastLocation + 1);
                break;
            case Phase.Codes:
                Add(PaliGemmaTokens.FirstSegment, PaliGemmaTokens.FirstSegment + PaliGemmaTokens.SegmentCount);
                break;
            case Phase.Label:
                var tokens = grammar.ChildTokens(_node);
                var nodes = grammar.ChildNodes(_node);
                for (var c = 0; c < tokens.Length; c++)
                {
                    // Only a continuation the tokens left can finish (a label cut by the limit would be another label).
                    if (1 + grammar.TokensToLabelEnd(nodes[c]) <= remaining)
                        Add(tokens[c]);
                }

                if (grammar.IsLabelEnd(_node))
                {
                    if (separatorFits)
                    {
                        foreach (var id in grammar.SeparatorIds)
                            Add(id);
                    }

                    if (includeEos)
                        AddEos();
                }

                break;
        }

        return _allowedCount;
    }

    // A first coordinate of 1023 would leave no larger second one.
    private void AddFirstBoxToken() => Add(PaliGemmaTokens.FirstLocation, LastLocation);

    private void AddEos()
    {
        foreach (var id in _eosIds)
            Add(id);
    }

    private void Add(int id) => Add(id, id + 1);

    private void Add(int start, int end) => _allowed[_allowedCount++] = (start, end);
}
