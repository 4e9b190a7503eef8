using System.Collections.Concurrent;
using System.Text;

namespace EdgePali.Vision.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json with transformers.js's semantics: a word is split into code points, the
/// adjacent pair with the lowest merge rank is merged (leftmost first on ties) until no pair has a rule;
/// every resulting piece that is not in the vocabulary falls back to its UTF-8 bytes as &lt;0xNN&gt; tokens.
/// Pieces are interned as dense symbol numbers at load, so merging compares integers and a merge rule is one
/// dictionary probe on a packed pair.
/// </summary>
internal sealed class BytePairModel
{
    // Same bound as transformers.js's BPE cache: only words shorter than this are remembered.
    private const int MaxCachedWordLength = 256;
    private const int CacheCapacity = 10_000;

    private const int Unresolved = int.MinValue;

    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idOf;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _extraSymbolOf;
    private readonly bool _hasExtraSymbols;
    private readonly int[] _tokenIdOfSymbol;
    // Merge rules by left symbol (CSR): rules of symbol s are [_rulesStart[s], _rulesStart[s + 1]), sorted by
    // right symbol; a binary search finds the rank. Much smaller and faster to build than a hash of 580k pairs.
    private readonly int[] _rulesStart;
    private readonly int[] _ruleRight;
    private readonly int[] _ruleRank;
    // The symbol a rule produces, looked up on first use (most of the 580k rules never fire on real prompts).
    private readonly int[] _mergedSymbolOfRank;
    private readonly int[] _byteTokenIds;
    private readonly int _unknownId;
    private readonly bool _byteFallback;
    private readonly bool _fuseUnknown;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    [ThreadStatic]
    private static MergeScratch? _threadScratch;

    /// <param name="definition">The parsed tokenizer.json (merges are read from it here).</param>
    /// <param name="tokenIds">transformers.js's tokens_to_ids: the model vocabulary plus every added token's
    /// content. Each id has one text, so an id doubles as the symbol of its text while merging.</param>
    /// <param name="finalIdOf">The id a piece is finally given (an added token's id wins over the vocabulary's).</param>
    /// <param name="unknownId">Id of the unknown token, emitted when byte fallback is impossible.</param>
    public BytePairModel(TokenizerJsonDefinition definition, Dictionary<string, int> tokenIds, Func<string, int> finalIdOf, int unknownId)
    {
        _byteFallback = definition.ByteFallback;
        _fuseUnknown = definition.FuseUnknown;
        _ignoreMerges = definition.IgnoreMerges;
        _unknownId = unknownId;
        _idOf = tokenIds.GetAlternateLookup<ReadOnlySpan<char>>();

        var symbolBase = 0;
        foreach (var id in tokenIds.Values)
            symbolBase = Math.Max(symbolBase, id + 1);

        // Symbols of both sides of every rule. Lookups dominate loading, and the dictionary is only read here,
        // so they run on all cores; texts outside tokens_to_ids get extra symbols afterwards, in rank order.
        var rules = definition.ReadMerges();
        var left = new int[rules.Count];
        var right = new int[rules.Count];
        var idOf = _idOf;
        Parallel.For(0, (rules.Count + 16383) / 16384, chunk =>
        {
            for (int r = chunk * 16384, end = Math.Min(rules.Count, r + 16384); r < end; r++)
            {
                if (!rules.IsUsable(r))
                {
                    left[r] = right[r] = -1;
                    continue;
                }

                left[r] = idOf.TryGetValue(rules.Left(r), out var l) ? l : Unresolved;
                right[r] = idOf.TryGetValue(rules.Right(r), out var rr) ? rr : Unresolved;
            }
        });

        var extraSymbols = new Dictionary<string, int>(StringComparer.Ordinal);
        var extraOf = extraSymbols.GetAlternateLookup<ReadOnlySpan<char>>();
        for (var r = 0; r < rules.Count; r++)
        {
            if (left[r] == Unresolved)
                left[r] = Extra(extraOf, rules.Left(r), symbolBase);
            if (right[r] == Unresolved)
                right[r] = Extra(extraOf, rules.Right(r), symbolBase);
        }

        _extraSymbolOf = extraOf;
        _hasExtraSymbols = extraSymbols.Count > 0;
        var symbolCount = symbolBase + extraSymbols.Count;
        _tokenIdOfSymbol = new int[symbolCount];
        Array.Fill(_tokenIdOfSymbol, -1);
        foreach (var (piece, id) in tokenIds)
            _tokenIdOfSymbol[id] = finalIdOf(piece);

        (_rulesStart, _ruleRight, _ruleRank) = BuildRuleIndex(left, right, symbolCount);
        _mergedSymbolOfRank = new int[rules.Count];
        Array.Fill(_mergedSymbolOfRank, Unresolved);

        _byteTokenIds = new int[256];
        for (var b = 0; b < 256; b++)
            _byteTokenIds[b] = tokenIds.ContainsKey($"<0x{b:X2}>") ? finalIdOf($"<0x{b:X2}>") : -1;
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Number of distinct merge rules.</summary>
    public int MergeCount => _ruleRank.Length;

    /// <summary>Appends the ids of one normalized word (a run of text between added tokens).</summary>
    public void Encode(ReadOnlySpan<char> word, List<int> ids)
    {
        if (word.IsEmpty)
            return;
        if (_ignoreMerges && _idOf.TryGetValue(word, out var whole) && _tokenIdOfSymbol[whole] >= 0)
        {
            ids.Add(_tokenIdOfSymbol[whole]);
            return;
        }

        var cacheable = word.Length < MaxCachedWordLength;
        if (cacheable && _cacheLookup.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }

        var first = ids.Count;
        Merge(word, ids);
        if (cacheable)
        {
            // Prompts repeat ("caption en", "detect car ; person"): remember them. Clearing when full keeps the
            // memory bounded without LRU bookkeeping on the hot path.
            if (Interlocked.Increment(ref _cacheCount) > CacheCapacity)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cacheCount, 0);
            }

            _cache.TryAdd(word.ToString(), ids.GetRange(first, ids.Count - first).ToArray());
        }
    }

    private void Merge(ReadOnlySpan<char> word, List<int> ids)
    {
        var scratch = _threadScratch ??= new MergeScratch();
        scratch.EnsureCapacity(word.Length);
        var symbol = scratch.Symbol;
        var length = scratch.Length;
        var previous = scratch.Previous;
        var next = scratch.Next;
        var queue = scratch.Queue;
        queue.Clear();

        // One node per code point (a surrogate pair is one node, a lone surrogate too), keyed by its first
        // UTF-16 index; merged nodes keep the left start, which is also transformers.js's tie-break order.
        var last = -1;
        for (var i = 0; i < word.Length;)
        {
            var units = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            symbol[i] = SymbolOf(word.Slice(i, units));
            length[i] = units;
            previous[i] = last;
            next[i] = -1;
            if (last >= 0)
            {
                next[last] = i;
                Offer(queue, last, symbol[last], symbol[i]);
            }

            last = i;
            i += units;
        }

        while (queue.TryDequeue(out var candidate, out var priority))
        {
            var left = candidate.Start;
            var right = next[left];
            // Stale entries: the left node was absorbed or changed, or its neighbour changed.
            if (length[left] == 0 || symbol[left] != candidate.Left || right < 0 || symbol[right] != candidate.Right)
                continue;
            symbol[left] = MergedSymbol((int)(priority >> 32), word.Slice(left, length[left] + length[right]));
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[left] >= 0)
            {
                previous[next[left]] = left;
                Offer(queue, left, symbol[left], symbol[next[left]]);
            }

            if (previous[left] >= 0)
                Offer(queue, previous[left], symbol[previous[left]], symbol[left]);
        }

        var lastWasUnknown = false;
        for (var node = 0; node >= 0; node = next[node])
        {
            var s = symbol[node];
            if (s >= 0 && _tokenIdOfSymbol[s] >= 0)
                Emit(ids, _tokenIdOfSymbol[s], ref lastWasUnknown);
            else
                EmitFallback(ids, word.Slice(node, length[node]), ref lastWasUnknown);
        }
    }

    private void Offer(PriorityQueue<MergeCandidate, long> queue, int leftStart, int leftSymbol, int rightSymbol)
    {
        if (leftSymbol < 0 || rightSymbol < 0)
            return;
        var rank = RankOf(leftSymbol, rightSymbol);
        if (rank < 0)
            return;
        queue.Enqueue(new MergeCandidate(leftStart, leftSymbol, rightSymbol), ((long)rank << 32) | (uint)leftStart);
    }

    private void EmitFallback(List<int> ids, ReadOnlySpan<char> piece, ref bool lastWasUnknown)
    {
        if (_byteFallback)
        {
            // Lone surrogates become EF BF BD here, as with the TextEncoder transformers.js uses.
            var maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
            Span<byte> bytes = maxBytes <= 1024 ? stackalloc byte[maxBytes] : new byte[maxBytes];
            bytes = bytes[..Encoding.UTF8.GetBytes(piece, bytes)];
            var allKnown = true;
            foreach (var b in bytes)
                allKnown &= _byteTokenIds[b] >= 0;
            if (allKnown)
            {
                foreach (var b in bytes)
                    Emit(ids, _byteTokenIds[b], ref lastWasUnknown);
                return;
            }
        }

        Emit(ids, _unknownId, ref lastWasUnknown);
    }

    private void Emit(List<int> ids, int id, ref bool lastWasUnknown)
    {
        var isUnknown = id == _unknownId;
        // fuse_unk: a run of unknown pieces becomes one unknown token.
        if (!(isUnknown && lastWasUnknown && _fuseUnknown))
            ids.Add(id);
        lastWasUnknown = isUnknown;
    }

    private int SymbolOf(ReadOnlySpan<char> piece)
    {
        if (_idOf.TryGetValue(piece, out var id))
            return id;
        return _hasExtraSymbols && _extraSymbolOf.TryGetValue(piece, out var extra) ? extra : -1;
    }

    private int MergedSymbol(int rank, ReadOnlySpan<char> merged)
    {
        var symbol = _mergedSymbolOfRank[rank];
        if (symbol == Unresolved)
        {
            // Racing threads compute the same value; an int store is atomic.
            symbol = SymbolOf(merged);
            _mergedSymbolOfRank[rank] = symbol;
        }

        return symbol;
    }

    /// <summary>Rank of the rule joining the two symbols, or -1.</summary>
    private int RankOf(int leftSymbol, int rightSymbol)
    {
        if (leftSymbol >= _rulesStart.Length - 1)
            return -1;
        var at = Array.BinarySearch(_ruleRight, _rulesStart[leftSymbol], _rulesStart[leftSymbol + 1] - _rulesStart[leftSymbol], rightSymbol);
        return at >= 0 ? _ruleRank[at] : -1;
    }

    private static (int[] Start, int[] Right, int[] Rank) BuildRuleIndex(int[] left, int[] right, int symbolCount)
    {
        var start = new int[symbolCount + 1];
        foreach (var l in left)
        {
            if (l >= 0)
                start[l + 1]++;
        }

        for (var s = 0; s < symbolCount; s++)
            start[s + 1] += start[s];
        var fill = start[..^1];
        var ruleRight = new int[start[symbolCount]];
        var ruleRank = new int[start[symbolCount]];
        for (var r = 0; r < left.Length; r++)
        {
            if (left[r] < 0)
                continue;
            var at = fill[left[r]]++;
            ruleRight[at] = right[r];
            ruleRank[at] = r;
        }

        // Sort each symbol's rules by right symbol; of a pair listed twice the later rule (higher rank) wins,
        // as in transformers.js's Map.
        var count = 0;
        var kept = new int[symbolCount + 1];
        for (var s = 0; s < symbolCount; s++)
        {
            var from = start[s];
            var end = start[s + 1];
            if (end - from > 1)
                Array.Sort(ruleRight, ruleRank, from, end - from);
            kept[s] = count;
            for (var i = from; i < end; i++)
            {
                if (count > kept[s] && ruleRight[count - 1] == ruleRight[i])
                {
                    ruleRank[count - 1] = Math.Max(ruleRank[count - 1], ruleRank[i]);
                    continue;
                }

                ruleRight[count] = ruleRight[i];
                ruleRank[count] = ruleRank[i];
                count++;
            }
        }

        kept[symbolCount] = count;
        return (kept, ruleRight[..count], ruleRank[..count]);
    }

    private static int Extra(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> extras, ReadOnlySpan<char> piece, int symbolBase)
    {
        // A rule part outside the vocabulary: it can still be merged further, and if it survives it falls
        // back to bytes.
        if (!extras.TryGetValue(piece, out var symbol))
        {
            symbol = symbolBase + extras.Dictionary.Count;
            extras[piece] = symbol;
        }

        return symbol;
    }

    private readonly record struct MergeCandidate(int Start, int Left, int Right);

    /// <summary>Per-thread working arrays, grown to the longest word seen, so encoding does not allocate.</summary>
    private sealed class MergeScratch
    {
        public int[] Symbol { get; private set; } = new int[256];

        public int[] Length { get; private set; } = new int[256];

        public int[] Previous { get; private set; } = new int[256];

        public int[] Next { get; private set; } = new int[256];

        public PriorityQueue<MergeCandidate, long> Queue { get; } = new();

        public void EnsureCapacity(int units)
        {
            if (Symbol.Length >= units)
                return;
            var size = Math.Max(units, Symbol.Length * 2);
            Symbol = new int[size];
            Length = new int[size];
            Previous = new int[size];
            Next = new int[size];
        }
    }
}
