using PaymentFunctions.LoadGenerator;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C: stop and print the summary of what was done; a second one ends the process.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};

var context = new CliContext(Console.Out, Console.Error, Environment.GetEnvironmentVariable, !Console.IsErrorRedirected, TimeProvider.System);
return await LoadGeneratorCli.RunAsync(args, context, cancel.Token).ConfigureAwait(false);
