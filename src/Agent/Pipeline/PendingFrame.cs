namespace EdgePali.Agent.Pipeline;

/// <summary>
/// The Gate -> Infer hand-over of one camera: the newest frame that passed the gate, waiting for the model. Not
/// thread-safe: <see cref="CameraRuntime"/> guards it with the same lock as the task schedule, so a frame and the
/// tasks due on it are always taken together.
/// </summary>
internal sealed class PendingFrame
{
    private readonly FrameBuffer _frame = new();
    private bool _used;

    public bool IsEmpty => _frame.IsEmpty;

    public DateTimeOffset Timestamp => _frame.Timestamp;

    /// <summary>Copies <paramref name="frame"/> in; true when it replaced a frame nobody analysed (a stale drop).</summary>
    public bool Replace(FrameBuffer frame)
    {
        var dropped = !_frame.IsEmpty && !_used;
        frame.CopyTo(_frame);
        _used = false;
        return dropped;
    }

    /// <summary>Empties the slot; true when the frame was never analysed (a stale drop).</summary>
    public bool Discard()
    {
        var dropped = !_used;
        _frame.SetSize(0, 0);
        return dropped;
    }

    /// <summary>Copies the frame out for analysis; it stays for tasks that become due on it later.</summary>
    public void TakeCopy(FrameBuffer target)
    {
        _frame.CopyTo(target);
        _used = true;
    }
}
