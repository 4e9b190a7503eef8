namespace EdgePali.Vision.Tokenization;

/// <summary>
/// tokenizer.json's merge rules as one character buffer plus bounds (no string per rule): rule r (its rank)
/// joins <see cref="Left"/>(r) and <see cref="Right"/>(r). A rule that cannot match (no space) keeps its rank.
/// </summary>
internal sealed class MergeRuleList
{
    private char[] _chars = new char[1 << 20];
    private int _charCount;
    private int[] _bounds = new int[1 << 16];

    public int Count { get; private set; }

    public bool IsUsable(int rank) => _bounds[4 * rank] >= 0;

    public ReadOnlySpan<char> Left(int rank) => _chars.AsSpan(_bounds[4 * rank], _bounds[(4 * rank) + 1]);

    public ReadOnlySpan<char> Right(int rank) => _chars.AsSpan(_bounds[(4 * rank) + 2], _bounds[(4 * rank) + 3]);

    /// <summary>The two parts as they stand in the buffer, one after the other: the merged piece.</summary>
    public ReadOnlySpan<char> Joined(int rank) => _chars.AsSpan(_bounds[4 * rank], _bounds[(4 * rank) + 1] + _bounds[(4 * rank) + 3]);

    public void Add(ReadOnlySpan<char> left, ReadOnlySpan<char> right)
    {
        EnsureRoom(left.Length + right.Length);
        var at = 4 * Count++;
        _bounds[at] = _charCount;
        _bounds[at + 1] = left.Length;
        left.CopyTo(_chars.AsSpan(_charCount));
        _charCount += left.Length;
        _bounds[at + 2] = _charCount;
        _bounds[at + 3] = right.Length;
        right.CopyTo(_chars.AsSpan(_charCount));
        _charCount += right.Length;
    }

    public void AddUnusable()
    {
        EnsureRoom(0);
        var at = 4 * Count++;
        _bounds[at] = -1;
        _bounds[at + 1] = _bounds[at + 2] = _bounds[at + 3] = 0;
    }

    private void EnsureRoom(int chars)
    {
        if (_charCount + chars > _chars.Length)
            Array.Resize(ref _chars, Math.Max(_chars.Length * 2, _charCount + chars));
        if (4 * (Count + 1) > _bounds.Length)
            Array.Resize(ref _bounds, _bounds.Length * 2);
    }
}
