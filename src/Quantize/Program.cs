using EdgePali.Quantize.Commands;

return await QuantizeCli.RunAsync(args).ConfigureAwait(false);
