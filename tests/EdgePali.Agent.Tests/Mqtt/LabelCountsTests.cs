
using EdgePali.Agent.Mqtt.Messages;

namespace EdgePali.Agent.Tests.Mqtt;

/// <summary>The counts topic keeps at most LabelCounts.MaxLabels labels per camera, dropping made-up labels first.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class LabelCountsTests
{
    [Fact]
    public void EveryResultWithANewHallucinatedLabel_StaysBounded_AndKeepsTheRequestedLabels()
    {
        var counts = new LabelCounts();
        Dictionary<string, int> latest = [];
        for (var i = 0; i < 5000; i++)
        {
            // The task asks for person and car; the model names something new every time.
            latest = counts.Update(new Dictionary<string, int> { ["person"] = i % 3, ["car"] = 0, [$"made-up-{i}"] = 1 });
            Assert.True(counts.Count <= LabelCounts.MaxLabels);
        }

        Assert.Equal(LabelCounts.MaxLabels, latest.Count);
        Assert.Equal(4999 % 3, latest["person"]);
        Assert.Equal(0, latest["car"]);
        Assert.Equal(1, latest["made-up-4999"]);
        Assert.DoesNotContain("made-up-0", latest.Keys);
    }

    [Fact]
    public void FewerLabelsThanTheCap_AreAllKept_WithTheirLatestCount()
    {
        var counts = new LabelCounts();
        counts.Update(new Dictionary<string, int> { ["person"] = 2, ["cat"] = 1 });
        var latest = counts.Update(new Dictionary<string, int> { ["person"] = 0 });
        Assert.Equal(new Dictionary<string, int> { ["person"] = 0, ["cat"] = 1 }, latest);
    }
}
