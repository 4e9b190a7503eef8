namespace EdgePali.Quantize.Hub;

/// <summary>An open file download: the response body from <see cref="StartOffset"/> on, and the Hub's headers for the file.</summary>
internal sealed class HubContent : IDisposable
{
    private readonly HttpResponseMessage _response;

    public HubContent(HttpResponseMessage response, Stream body, long startOffset, long? length, HubFileHeaders headers)
    {
        _response = response;
        Body = body;
        StartOffset = startOffset;
        Length = length;
        Headers = headers;
    }

    public Stream Body { get; }

    /// <summary>Where the body starts in the file: the Range start when honoured, 0 when the server sent it all.</summary>
    public long StartOffset { get; }

    /// <summary>Content-Length of the body (the remaining bytes), when the server sent it.</summary>
    public long? Length { get; }

    public HubFileHeaders Headers { get; }

    public void Dispose()
    {
        Body.Dispose();
        _response.Dispose();
    }
}
