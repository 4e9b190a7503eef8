using EdgePali.Bench;

return await BenchCommand.Create().Parse(args).InvokeAsync().ConfigureAwait(false);
