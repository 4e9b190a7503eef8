namespace EdgePali.Agent.Control;

/// <summary>A value or the reason there is none; commands report problems this way instead of throwing.</summary>
public readonly record struct CommandOutcome<T>(T? Value, string? Error)
    where T : class
{
    public bool IsOk => Error is null;
}

/// <summary>Factories for <see cref="CommandOutcome{T}"/>.</summary>
public static class CommandOutcome
{
    public static CommandOutcome<T> Ok<T>(T value)
        where T : class => new(value, null);

    public static CommandOutcome<T> Fail<T>(string error)
        where T : class => new(null, error);
}
