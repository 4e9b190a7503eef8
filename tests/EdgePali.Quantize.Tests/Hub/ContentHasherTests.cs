using System.Text;
using EdgePali.Quantize.Hub;

namespace EdgePali.Quantize.Tests.Hub;

/// <summary>Checked against values git and sha256sum print, not against another run of the same code.</summary>
[Trait(TestKinds.Trait, TestKinds.Unit)]
public sealed class ContentHasherTests
{
    [Fact]
    public void GitBlobId_OfHelloNewline_IsWhatGitHashObjectPrints()
    {
        // `printf 'hello\n' | git hash-object --stdin`
        using var hasher = new ContentHasher(new HubFile("hello.txt", 6, Sha256: null, GitBlobId: "ce013625030ba8dba906f756967f9e9ca394464a"));
        hasher.Append(Encoding.ASCII.GetBytes("hel"));
        hasher.Append(Encoding.ASCII.GetBytes("lo\n"));
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", hasher.Finish());
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", hasher.Expected);
    }

    [Fact]
    public void GitBlobId_OfAnEmptyFile_IsGitsEmptyBlob()
    {
        using var hasher = new ContentHasher(new HubFile("empty", 0, null, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"));
        Assert.Equal("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", hasher.Finish());
    }

    [Fact]
    public void Sha256_IsUsedWhenTheHubGivesOne_AndResetStartsOver()
    {
        // `printf 'hello\n' | sha256sum`
        const string Sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
        using var hasher = new ContentHasher(new HubFile("model.onnx", 6, Sha, GitBlobId: null));
        hasher.Append(Encoding.ASCII.GetBytes("stale bytes"));
        hasher.Reset();
        hasher.Append(Encoding.ASCII.GetBytes("hello\n"));
        Assert.Equal(Sha, hasher.Finish());
    }
}
