using EdgePali.Vision.Tasks;

namespace EdgePali.Vision.Tests.Inference;

/// <summary>
/// Constrained decoding makes answers parse: on the ordinary tiny model (random weights, varied text answers)
/// free detect and segment answers hold no object, and the same calls with constraints give objects with the
/// requested labels, valid boxes and, for segment, 16 codes, within the token limit and without malformed parts.
/// </summary>
[Trait(TestKinds.Trait, TestKinds.Integration)]
public sealed class ConstrainedParsingTests(TinyPg1Int8Package package) : IClassFixture<TinyPg1Int8Package>
{
    public static TheoryData<string, int> Tasks => new()
    {
        { "detect car ; person", 40 },
        { "detect traffic light ; Straßenbahn", 24 },
        { "segment cat", 48 },
        { "segment cat ; dog", 21 },
    };

    [Theory]
    [MemberData(nameof(Tasks))]
    public async Task AnswersThatDoNotParse_ParseWhenConstrained(string prompt, int limit)
    {
        var task = VisionTaskParser.Parse(prompt);
        var labels = task switch
        {
            DetectTask d => d.Labels,
            SegmentTask s => s.Labels,
            _ => throw new InvalidOperationException(prompt),
        };
        var free = task switch
        {
            DetectTask d => (VisionTask)(d with { Constrained = false }),
            SegmentTask s => s with { Constrained = false },
            _ => task,
        };
        await using var engine = await ConstrainedDecodingTests.LoadAsync(package.Pg1Int8);
        for (var seed = 0; seed < 4; seed++)
        {
            var frame = ConstrainedDecodingTests.Frame(seed);
            var unconstrained = await engine.AnalyzeAsync(frame, free, limit);
            var constrained = await engine.AnalyzeAsync(frame, task, limit);

            Assert.Empty(unconstrained.Objects);
            Assert.NotEmpty(constrained.Objects);
            Assert.InRange(constrained.TokenIds.Count, 1, limit);
            Assert.DoesNotContain("malformed", constrained.Note ?? "", StringComparison.Ordinal);
            foreach (var o in constrained.Objects)
            {
                Assert.Contains(o.Label, labels);
                Assert.True(o.BoxNormalized.XMax > o.BoxNormalized.XMin && o.BoxNormalized.YMax > o.BoxNormalized.YMin);
                Assert.Equal(task is SegmentTask ? 16 : 0, o.SegmentCodes?.Count ?? 0);
            }

            // Every token belongs to an object: the parsed objects account for the whole answer.
            var perObject = (task is SegmentTask ? 20 : 4) + 1;
            Assert.True(constrained.TokenIds.Count >= constrained.Objects.Count * perObject);
        }
    }
}
