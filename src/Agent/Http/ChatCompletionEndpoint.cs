using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using EdgePali.Agent.Control;
using EdgePali.Agent.Options;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Vision.Imaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Http;

/// <summary>
/// `POST /v1/chat/completions`, OpenAI-compatible enough for Frigate's GenAI and Home Assistant's LLM Vision OpenAI
/// providers and the official `openai` clients: one user message with text and an image in, the answer in
/// `choices[0].message.content`, with `usage` and `model`. `stream: true` sends server-sent events, one per piece of
/// text as the model generates it. The whole analysis (objects with boxes, timings) comes as the extra field
/// `edgepali`, in the same form as an MQTT `ask` reply.
/// </summary>
internal static class ChatCompletionEndpoint
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static async Task HandleAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<HttpOptions>>().Value;
        var requests = services.GetRequiredService<HttpModelRequests>();
        var deviceId = services.GetRequiredService<IOptions<AgentOptions>>().Value.ResolvedDeviceId;
        var logger = services.GetRequiredService<ILogger<HttpModelRequests>>();

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        var request = ChatCompletionRequest.Parse(body, options.MaxPromptCharacters, out var error);
        if (request is null)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, error!, "invalid_request_error").ConfigureAwait(false);
            return;
        }

        ImageFrame image;
        try
        {
            image = ImageFiles.Decode(request.Image);
        }
        catch (IOException e)
        {
            await ErrorAsync(http, StatusCodes.Status400BadRequest, $"The image could not be decoded: {e.Message} Send a PNG or JPEG.", "invalid_request_error").ConfigureAwait(false);
            return;
        }

        if (!requests.ModelLoaded)
        {
            http.Response.Headers.RetryAfter = "10";
            await ErrorAsync(http, StatusCodes.Status503ServiceUnavailable, "The model is still loading; try again in a moment.", "server_error").ConfigureAwait(false);
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.RequestTimeoutSeconds));
        var pieces = request.Stream ? Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }) : null;
        Action<string>? onText = pieces is null ? null : piece => pieces.Writer.TryWrite(piece);
        var ask = requests.TryEnqueue(image, request.Task, request.MaxTokens ?? 0, onText, timeout.Token);
        if (ask is null)
        {
            http.Response.Headers.RetryAfter = "5";
            await ErrorAsync(http, StatusCodes.Status429TooManyRequests,
                $"Too many requests are waiting for the model ({AskRequest.QueueCapacity}, shared with MQTT questions); try again when it has answered them.", "rate_limit_error").ConfigureAwait(false);
            return;
        }

        if (request.ImagesIgnored > 0)
            logger.LogDebug("Chat completion with {Images} images: PaliGemma sees one, the first", request.ImagesIgnored + 1);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (pieces is null)
        {
            var answer = await AwaitAnswerAsync(http, ask.Answer.Task, timeout, options).ConfigureAwait(false);
            if (answer is null)
                return;
            var response = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = answer.Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = answer.Result.Text },
                    ["finish_reason"] = FinishReason(answer, ask.MaxNewTokens),
                }),
                ["usage"] = Usage(answer),
                ["edgepali"] = Analysis(deviceId, answer),
            };
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(response.ToJsonString(Compact), http.RequestAborted).ConfigureAwait(false);
            return;
        }

        // Streaming: headers now, then one event per piece while the model generates; the answer's completion ends the stream.
        _ = ask.Answer.Task.ContinueWith(_ => pieces.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var modelName = requests.ModelName;
        await EventAsync(http, Chunk(id, created, modelName, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null)).ConfigureAwait(false);
        try
        {
            await foreach (var piece in pieces.Reader.ReadAllAsync(http.RequestAborted).ConfigureAwait(false))
                await EventAsync(http, Chunk(id, created, modelName, new JsonObject { ["content"] = piece }, null)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away; the ask's token (linked to it) stops the generation
        }

        AskAnswer done;
        try
        {
            done = await ask.Answer.Task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is CameraControlException or OperationCanceledException)
        {
            var message = e is OperationCanceledException ? $"No answer within Http:RequestTimeoutSeconds = {options.RequestTimeoutSeconds} s." : e.Message;
            await EventAsync(http, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error" } }).ConfigureAwait(false);
            return;
        }

        var last = Chunk(id, created, done.Model, new JsonObject(), FinishReason(done, ask.MaxNewTokens));
        last["edgepali"] = Analysis(deviceId, done);
        await EventAsync(http, last).ConfigureAwait(false);
        if (request.IncludeUsage)
        {
            var usage = Chunk(id, created, done.Model, null, null);
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(done);
            await EventAsync(http, usage).ConfigureAwait(false);
        }

        await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>`GET /v1/models`: the loaded model package, as the one model this server offers.</summary>
    public static IResult Models(HttpModelRequests requests) => Results.Json(new JsonObject
    {
        ["object"] = "list",
        ["data"] = requests.ModelLoaded
            ? new JsonArray(new JsonObject { ["id"] = requests.ModelName, ["object"] = "model", ["created"] = 0, ["owned_by"] = "edgepali" })
            : new JsonArray(),
    });

    private static async Task<AskAnswer?> AwaitAnswerAsync(HttpContext http, Task<AskAnswer> answer, CancellationTokenSource timeout, HttpOptions options)
    {
        try
        {
            return await answer.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            await ErrorAsync(http, StatusCodes.Status504GatewayTimeout, $"No answer within Http:RequestTimeoutSeconds = {options.RequestTimeoutSeconds} s.", "server_error").ConfigureAwait(false);
            return null;
        }
        catch (CameraControlException e)
        {
            await ErrorAsync(http, StatusCodes.Status500InternalServerError, e.Message, "server_error").ConfigureAwait(false);
            return null;
        }
    }

    private static string FinishReason(AskAnswer answer, int maxNewTokens) =>
        answer.Result.TokenIds.Count >= maxNewTokens ? "length" : "stop";

    private static JsonObject Usage(AskAnswer answer) => new()
    {
        ["prompt_tokens"] = answer.Result.Timings.PromptTokens,
        ["completion_tokens"] = answer.Result.Timings.GeneratedTokens,
        ["total_tokens"] = answer.Result.Timings.PromptTokens + answer.Result.Timings.GeneratedTokens,
    };

    /// <summary>The analysis as an MQTT `ask` reply has it (task, prompt, text, objects with boxes, timings, tokens).</summary>
    private static JsonObject Analysis(string deviceId, AskAnswer answer)
    {
        var node = JsonNode.Parse(ResultJson.AskAnswer(null, deviceId, HttpModelRequests.Source, answer))!.AsObject();
        node.Remove("ok");
        return node;
    }

    private static JsonObject Chunk(string id, long created, string model, JsonObject? delta, string? finishReason) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null ? null : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason }),
    };

    private static async Task EventAsync(HttpContext http, JsonObject data)
    {
        await http.Response.WriteAsync("data: " + data.ToJsonString(Compact) + "\n\n", http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>An error in OpenAI's shape, so clients show the message: {"error": {"message", "type", "code"}}.</summary>
    public static Task ErrorAsync(HttpContext http, int status, string message, string type)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var body = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = status } };
        return http.Response.WriteAsync(body.ToJsonString(Compact), http.RequestAborted);
    }
}
