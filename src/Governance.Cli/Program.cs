using Governance.Cli;

return await Cli.RunAsync(args, CliContext.FromProcess());
