namespace EdgePali.Vision.Tokenization;

/// <summary>
/// Cuts text at added tokens the way transformers.js's DictionarySplitter does: scan left to right, at each
/// position take the longest added token that starts there (a trie walk over UTF-16 units), otherwise move
/// one unit on. The pieces between matches and the matches themselves come out in order.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly List<Dictionary<char, int>> _children = [];
    private readonly List<bool> _isEnd = [];
    // Which UTF-16 units start some token: most text never enters the trie.
    private readonly bool[] _startsToken = new bool[char.MaxValue + 1];

    public AddedTokenSplitter(IEnumerable<string> tokens)
    {
        AddNode();
        foreach (var token in tokens)
        {
            if (token.Length == 0)
                continue;
            _startsToken[token[0]] = true;
            var node = 0;
            foreach (var unit in token)
            {
                if (!_children[node].TryGetValue(unit, out var child))
                {
                    child = AddNode();
                    _children[node][unit] = child;
                }

                node = child;
            }

            _isEnd[node] = true;
            IsEmpty = false;
        }
    }

    public bool IsEmpty { get; } = true;

    /// <summary>Appends the sections of <paramref name="text"/> as (start, length) pairs, offset by <paramref name="offset"/>.</summary>
    public void Split(ReadOnlySpan<char> text, int offset, List<(int Start, int Length)> sections)
    {
        var start = 0;
        var i = 0;
        while (i < text.Length)
        {
            var matchLength = _startsToken[text[i]] ? LongestMatch(text, i) : 0;
            if (matchLength == 0)
            {
                i++;
                continue;
            }

            if (i > start)
                sections.Add((offset + start, i - start));
            sections.Add((offset + i, matchLength));
            i += matchLength;
            start = i;
        }

        if (start < text.Length)
            sections.Add((offset + start, text.Length - start));
    }

    private int LongestMatch(ReadOnlySpan<char> text, int from)
    {
        var node = 0;
        var longest = 0;
        for (var j = from; j < text.Length && _children[node].TryGetValue(text[j], out node); j++)
        {
            if (_isEnd[node])
                longest = j + 1 - from;
        }

        return longest;
    }

    private int AddNode()
    {
        _children.Add([]);
        _isEnd.Add(false);
        return _children.Count - 1;
    }
}
