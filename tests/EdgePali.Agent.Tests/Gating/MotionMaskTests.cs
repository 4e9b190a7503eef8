
using EdgePali.Agent.Gating;
using EdgePali.Agent.Options;

namespace EdgePali.Agent.Tests.Gating;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class MotionMaskTests
{
    [Theory]
    [InlineData("0,0,1,0,1,1", 3)]
    [InlineData(" 0.1, 0.2 ,0.3,0.4,0.5,0.6,0.7,0.8 ", 4)]
    public void MaskPolygon_AcceptsCornerLists(string text, int corners)
    {
        var polygon = MaskPolygon.Parse(text, out var problem);

        Assert.NotNull(polygon);
        Assert.Null(problem);
        Assert.Equal(corners, polygon.Length);
    }

    [Theory]
    [InlineData("", "has 1 numbers")]
    [InlineData("0,0,1,1", "has 4 numbers")]
    [InlineData("0,0,1,0,1", "has 5 numbers")]
    [InlineData("0,0,1,0,1,x", "'x' in")]
    [InlineData("0,0,1,0,1,-0.1", "'-0.1' in")]
    public void MaskPolygon_RejectsWithReason(string text, string reason)
    {
        Assert.Null(MaskPolygon.Parse(text, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Rasterize_LeftHalfTriangle_CoversCellsInside()
    {
        // Triangle (0,0) (1,0) (0,1): cells whose centre has x + y < 1.
        var polygon = MaskPolygon.Parse("0,0,1,0,0,1", out _)!;

        var masked = MotionMask.Rasterize([polygon], 4, 4);

        for (var y = 0; y < 4; y++)
        {
            for (var x = 0; x < 4; x++)
                Assert.Equal((x + 0.5) / 4 + (y + 0.5) / 4 < 1, masked[(y * 4) + x]);
        }
    }
}
