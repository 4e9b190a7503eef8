using EdgePali.Agent.Cli;


return await EdgePaliCli.RunAsync(args).ConfigureAwait(false);
