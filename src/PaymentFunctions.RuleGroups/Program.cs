using PaymentFunctions.RuleGroups;

return RuleGroupsCommand.Run(args, Console.Out, Console.Error);
