using EdgePali.Agent.Cli;
using EdgePali.Agent.Hosting;

// Before anything starts threads: see NativeHeap.
NativeHeap.LimitArenas();
return await EdgePaliCli.RunAsync(args).ConfigureAwait(false);
