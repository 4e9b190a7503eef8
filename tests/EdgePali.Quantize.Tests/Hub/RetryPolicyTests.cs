using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Policy = new(6, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(60, 30)]
    public void DelayFor_DoublesUpToTheCap(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Policy.DelayFor(failures, retryAfter: null));

    [Fact]
    public void DelayFor_ObeysALongerRetryAfter_ButNotForHours()
    {
        Assert.Equal(TimeSpan.FromSeconds(20), Policy.DelayFor(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(TimeSpan.FromSeconds(2), Policy.DelayFor(2, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromMinutes(2), Policy.DelayFor(1, TimeSpan.FromHours(3)));
    }

    [Fact]
    public void IsTransient_NetworkYes_UserErrorsNo()
    {
        Assert.True(RetryPolicy.IsTransient(new HttpRequestException("connection refused")));
        Assert.True(RetryPolicy.IsTransient(new HubTransientException("503")));
        Assert.True(RetryPolicy.IsTransient(new TimeoutException()));
        Assert.False(RetryPolicy.IsTransient(new HubException(HubErrorKind.GatedRepo, "gated")));
        Assert.False(RetryPolicy.IsTransient(new HubException(HubErrorKind.DiskFull, "full")));
    }
}
