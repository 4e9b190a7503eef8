using System.Buffers;
using System.Threading.Channels;
using EdgePali.Agent.Control;
using EdgePali.Agent.Mqtt.Messages;
using EdgePali.Agent.Mqtt.Transport;
using EdgePali.Agent.Pipeline;
using EdgePali.Agent.Publishing;
using EdgePali.Agent.Tasks;
using EdgePali.Agent.Timeline;
using EdgePali.Vision.Tasks;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgePali.Agent.Mqtt.Commands;

/// <summary>
/// The `set` and `ask` command topics. Receiving only copies the message into a bounded queue (MQTTnet queues
/// incoming messages without bound, so handlers must be quick); two loops then apply settings changes one at a
/// time and run questions and tasks run by name (`set` op `run`) one at a time. Every command gets a reply: on the MQTT 5 response topic with the
/// request's correlation data, else on `.../set/reply` or `.../ask/reply` with the request's `id`.
/// What is accepted follows <see cref="CommandPolicy"/> (topics of refused kinds are not even subscribed); response
/// topics must lie under Mqtt:ResponseTopicPrefix, because the agent publishes there with its own credentials; and
/// error replies share one budget (Mqtt:ErrorRepliesPerMinute), beyond which they are dropped, so a flood of bad
/// commands cannot turn the agent into an amplifier.
/// </summary>
internal sealed class MqttCommandService : BackgroundService
{
    private readonly MqttConnection _connection;
    private readonly ICameraControl _control;
    private readonly RetainedTopics _retained;
    private readonly MqttTopics _topics;
    private readonly MqttIdentity _identity;
    private readonly MqttOptions _options;
    private readonly CommandLimits _limits;
    private readonly RateLimiter _setLimiter;
    private readonly RateLimiter _askLimiter;
    private readonly RateLimiter _errorLimiter;
    private readonly CommandPolicy _policy;
    private readonly string _responseTopicPrefix;
    private readonly TimeProvider _time;
    private long _droppedErrorReplies;
    private long _lastDropReport;
    private readonly ILogger<MqttCommandService> _logger;
    private readonly Channel<Request> _sets = Channel.CreateBounded<Request>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait });
    private readonly Channel<ModelJob> _asks;

    private readonly IResultSearch? _search;

    public MqttCommandService(MqttConnection connection, ICameraControl control, RetainedTopics retained, MqttTopics topics, MqttIdentity identity,
        IOptions<MqttOptions> options, TimeProvider time, ILogger<MqttCommandService> logger, IResultSearch? search = null)
    {
        _search = search;
        _connection = connection;
        _control = control;
        _retained = retained;
        _topics = topics;
        _identity = identity;
        _options = options.Value;
        _limits = new CommandLimits(MaxPromptLength: _options.MaxPromptLength);
        _setLimiter = new RateLimiter(_options.CommandsPerMinute, time);
        _askLimiter = new RateLimiter(_options.AsksPerMinute, time);
        _errorLimiter = new RateLimiter(_options.ErrorRepliesPerMinute, time);
        _policy = CommandPolicy.From(_options);
        _responseTopicPrefix = (string.IsNullOrEmpty(_options.ResponseTopicPrefix) ? $"{topics.Base}/replies" : _options.ResponseTopicPrefix) + "/";
        _time = time;
        _lastDropReport = time.GetTimestamp();
        _logger = logger;
        _asks = Channel.CreateBounded<ModelJob>(new BoundedChannelOptions(_options.AskQueueCapacity) { FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Raised after a settings change was applied (discovery follows it).</summary>
    public event Action<CameraSettings>? SettingsChanged;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var camera in _control.CameraNames)
        {
            if (_control.GetSettings(camera) is { } settings)
            {
                _retained.Set(_topics.State(camera), ControlJson.State(settings));
            }
        }

        if (_policy.AcceptsSet)
        {
            await _connection.SubscribeAsync(_topics.SetFilter, args => ReceiveAsync(args, isAsk: false), cancellationToken);
        }

        if (_policy.AcceptsAsk)
        {
            await _connection.SubscribeAsync(_topics.AskFilter, args => ReceiveAsync(args, isAsk: true), cancellationToken);
        }

        var level = _policy.ModeIsDefault && _policy.Mode != CommandPolicy.Full ? LogLevel.Information : LogLevel.Debug;
        _logger.Log(level, "MQTT commands: {Mode}{Default}; accepted operations: {Ops}; replies to response topics under {ResponseTopicPrefix}",
            _policy.Mode, _policy.ModeIsDefault ? " (the default for this broker; set Mqtt:Commands to change it)" : "",
            _policy.Allowed.Count == 0 ? "none" : string.Join(", ", _policy.Allowed), _responseTopicPrefix);
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(RunSetsAsync(stoppingToken), RunAsksAsync(stoppingToken));

    private Task ReceiveAsync(MqttApplicationMessageReceivedEventArgs args, bool isAsk)
    {
        var message = args.ApplicationMessage;
        if (!_topics.TryParseCameraCommand(message.Topic, out var cameraLevel, out _))
        {
            return Task.CompletedTask;
        }

        var camera = _control.CameraNames.FirstOrDefault(c => MqttTopics.Level(c) == cameraLevel);
        var responseTopicRefused = !IsAllowedResponseTopic(message.ResponseTopic);
        var request = new Request(camera ?? cameraLevel, camera is not null, message.Payload.Length > _options.MaxCommandBytes ? null : message.Payload.ToArray(),
            message.Payload.Length, responseTopicRefused ? null : message.ResponseTopic, message.CorrelationData);
        if (!request.KnownCamera)
        {
            return ReplyInBackground(request, isAsk, Reply.Error(null, $"unknown camera '{TaskRules.Shorten(cameraLevel)}'; cameras: {string.Join(", ", _control.CameraNames)}"));
        }

        if (responseTopicRefused)
        {
            // Answered on the camera's reply topic instead, and not carried out: the requester would never see the answer.
            return ReplyInBackground(request, isAsk, Reply.Error(null,
                $"response topic '{TaskRules.Shorten(message.ResponseTopic ?? "")}' is refused: replies go only to topics under {_responseTopicPrefix} (Mqtt:ResponseTopicPrefix), and never to the agent's own topics; nothing was done"));
        }

        if (request.Payload is null)
        {
            return ReplyInBackground(request, isAsk, Reply.Error(null, $"payload is {request.PayloadLength} bytes; at most Mqtt:MaxCommandBytes = {_options.MaxCommandBytes}"));
        }

        if (!(isAsk ? _askLimiter : _setLimiter).TryAcquire(request.Camera))
        {
            return ReplyInBackground(request, isAsk, Reply.Error(null,
                $"rate limited: at most {(isAsk ? _options.AsksPerMinute : _options.CommandsPerMinute)} {(isAsk ? "questions" : "commands")} per minute per camera; try again later"));
        }

        if (!isAsk)
        {
            return _sets.Writer.TryWrite(request) ? Task.CompletedTask : ReplyInBackground(request, false, Reply.Error(null, "busy: too many commands waiting; try again later"));
        }

        var parsed = CommandParser.ParseAsk(request.Payload, _limits);
        if (parsed.Error is not null)
        {
            return ReplyInBackground(request, true, Reply.Error(parsed.Id, parsed.Error));
        }

        return _asks.Writer.TryWrite(new ModelJob(request, parsed.Id, parsed.Command, null))
            ? Task.CompletedTask
            : ReplyInBackground(request, true, Busy(parsed.Id));
    }

    /// <summary>
    /// No response topic (the default reply topic is used), or one under the prefix that is none of the agent's own
    /// topics: not a command topic it subscribes to (the reply would come back as a command), not its status or
    /// stats, and nothing under a camera (e.g. a camera named like the prefix's last level, or a prefix set wide).
    /// </summary>
    private bool IsAllowedResponseTopic(string? topic) =>
        string.IsNullOrEmpty(topic) || !_connection.IsMqtt5
        || (MqttTopics.IsValidLevels(topic) && topic.StartsWith(_responseTopicPrefix, StringComparison.Ordinal)
            && MqttTopicFilterComparer.Compare(topic, _topics.SetFilter) != MqttTopicFilterCompareResult.IsMatch
            && MqttTopicFilterComparer.Compare(topic, _topics.AskFilter) != MqttTopicFilterCompareResult.IsMatch
            && topic != _topics.Status && topic != _topics.Stats
            && !_control.CameraNames.Any(camera => topic.StartsWith($"{_topics.Base}/{MqttTopics.Level(camera)}/", StringComparison.Ordinal)));

    private async Task RunSetsAsync(CancellationToken cancellationToken)
    {
        await foreach (var request in _sets.Reader.ReadAllAsync(cancellationToken))
        {
            Reply? reply;
            try
            {
                reply = await ApplyAsync(request, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Applying a command to camera {Camera} failed", request.Camera);
                reply = Reply.Error(null, $"internal error ({ex.GetType().Name}); settings unchanged");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Stopping: whatever the interrupted change threw (e.g. a disposed camera) is part of the stop, not a
                // failure; an escaping exception would make the host log this service as failed on an ordinary SIGTERM.
                _logger.LogDebug("Command for camera {Camera} interrupted by the stop: {Error}", request.Camera, ex.Message);
                return;
            }

            if (reply is { } send)
            {
                await ReplyAsync(request, false, send);
            }
        }
    }

    /// <summary>Applies a settings change and returns the reply; null when the command was handed to the model queue (a task run), which replies itself.</summary>
    private async Task<Reply?> ApplyAsync(Request request, CancellationToken cancellationToken)
    {
        if (SearchCommand.TryParse(request.Payload, out var search, out var searchError))
        {
            // Read-only: answered from the results timeline, never queued behind the model.
            return searchError is not null ? Reply.Error(search?.Id, searchError)
                : _policy.Refusal(SearchCommand.Op) is { } refusedSearch ? Reply.Error(search!.Id, refusedSearch)
                : _search is not { Enabled: true } ? Reply.Error(search!.Id, "the results timeline is off on this device (Timeline:Enabled = false)")
                : new Reply(TimelineJson.SearchReply(search!.Id, _search.Search(search.Query, request.Camera, search.Limit)), IsError: false);
        }

        var parsed = CommandParser.ParseSet(request.Payload, _limits);
        if (parsed.Error is not null)
        {
            return Reply.Error(parsed.Id, parsed.Error);
        }

        if (_policy.Refusal(parsed.Command!.Op) is { } refused)
        {
            return Reply.Error(parsed.Id, refused);
        }

        var current = _control.GetSettings(request.Camera);
        if (current is null)
        {
            return Reply.Error(parsed.Id, $"camera '{request.Camera}' is not available");
        }

        var command = parsed.Command is ResetSettingsCommand ? new ResetSettingsCommand(_control.GetConfiguredSettings(request.Camera)) : parsed.Command;
        var next = command.ApplyTo(current, _limits);
        if (!next.IsOk)
        {
            return Reply.Error(parsed.Id, next.Error!);
        }

        if (parsed.Command is RunTaskCommand run)
        {
            // Runs wait for the model like questions (same bounded queue and timeout), so settings changes never wait behind them.
            return _asks.Writer.TryWrite(new ModelJob(request, parsed.Id, null, run.Name)) ? null : Busy(parsed.Id);
        }

        var outcome = await _control.ApplySettingsAsync(next.Value!, cancellationToken);
        if (!outcome.Applied)
        {
            return Reply.Error(parsed.Id, outcome.Error ?? "the worker refused the change");
        }

        _logger.LogInformation("Camera {Camera} settings changed by a command ({Command})", request.Camera, parsed.Command.GetType().Name);
        _retained.Set(_topics.State(request.Camera), ControlJson.State(outcome.Current));
        SettingsChanged?.Invoke(outcome.Current);
        return new Reply(ControlJson.SetAccepted(parsed.Id, outcome.Current), IsError: false);
    }

    private async Task RunAsksAsync(CancellationToken cancellationToken)
    {
        await foreach (var (request, id, question, taskName) in _asks.Reader.ReadAllAsync(cancellationToken))
        {
            Reply reply;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(_options.AskTimeoutSeconds));
            try
            {
                if (taskName is not null)
                {
                    var published = await _control.RunTaskAsync(request.Camera, taskName, timeout.Token);
                    reply = new Reply(ResultJson.TaskRun(id, published), IsError: false);
                }
                else
                {
                    var answer = await _control.AskAsync(request.Camera, question!, timeout.Token);
                    reply = new Reply(ResultJson.AskAnswer(id, _identity.DeviceId, request.Camera, answer), IsError: false);
                }
            }
            catch (CameraControlException ex)
            {
                reply = Reply.Error(id, ex.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reply = Reply.Error(id, $"no answer within Mqtt:AskTimeoutSeconds = {_options.AskTimeoutSeconds} s");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogError(ex, "Answering a question or running task {Task} for camera {Camera} failed", taskName, request.Camera);
                reply = Reply.Error(id, $"internal error ({ex.GetType().Name})");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Stopping (see RunSetsAsync): the requester gets no reply from a worker that is going away.
                _logger.LogDebug("Question or task {Task} for camera {Camera} interrupted by the stop: {Error}", taskName, request.Camera, ex.Message);
                return;
            }

            await ReplyAsync(request, isAsk: taskName is null, reply);
        }
    }

    /// <summary>Replies without waiting: awaiting a QoS 1 acknowledgement inside the receive handler would hold up every incoming message.</summary>
    private Task ReplyInBackground(Request request, bool isAsk, Reply reply)
    {
        _ = ReplyAsync(request, isAsk, reply);
        return Task.CompletedTask;
    }

    private Task<bool> ReplyAsync(Request request, bool isAsk, Reply reply)
    {
        if (reply.IsError && !_errorLimiter.TryAcquire(""))
        {
            NoteDroppedErrorReply(request, isAsk);
            return Task.FromResult(false);
        }

        var builder = new MqttApplicationMessageBuilder().WithPayload(reply.Payload).WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_connection.IsMqtt5 && MqttTopics.IsValidLevels(request.ResponseTopic))
        {
            builder.WithTopic(request.ResponseTopic);
            if (request.CorrelationData is { Length: > 0 } correlation)
            {
                builder.WithCorrelationData(correlation);
            }
        }
        else
        {
            builder.WithTopic(isAsk ? _topics.AskReply(request.Camera) : _topics.SetReply(request.Camera));
        }

        return _connection.TryPublishAsync(builder.Build(), CancellationToken.None);
    }

    /// <summary>Counts an error reply over the budget; logs a warning at most once a minute with how many were dropped.</summary>
    private void NoteDroppedErrorReply(Request request, bool isAsk)
    {
        var dropped = Interlocked.Increment(ref _droppedErrorReplies);
        var last = Interlocked.Read(ref _lastDropReport);
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(last, now) >= TimeSpan.FromMinutes(1) || dropped == 1)
        {
            if (Interlocked.CompareExchange(ref _lastDropReport, now, last) == last)
            {
                _logger.LogWarning("MQTT: more than {PerMinute} bad commands per minute (latest on {Topic}); {Dropped} error replies dropped so far (Mqtt:ErrorRepliesPerMinute)",
                    _options.ErrorRepliesPerMinute, isAsk ? _topics.Ask(request.Camera) : _topics.Set(request.Camera), dropped);
            }
        }
    }

    private Reply Busy(string? id) =>
        Reply.Error(id, $"busy: {_options.AskQueueCapacity} questions or task runs are waiting for the model; try again later");

    /// <summary>A reply payload; error replies count against Mqtt:ErrorRepliesPerMinute.</summary>
    private readonly record struct Reply(byte[] Payload, bool IsError)
    {
        public static Reply Error(string? id, string message) => new(ResultJson.Error(id, message), IsError: true);
    }

    private sealed record Request(string Camera, bool KnownCamera, byte[]? Payload, long PayloadLength, string? ResponseTopic, byte[]? CorrelationData);

    /// <summary>Work for the model: a question (<paramref name="Question"/>) or a run of a configured task (<paramref name="TaskName"/>).</summary>
    private sealed record ModelJob(Request Request, string? Id, VisionTask? Question, string? TaskName);
}
