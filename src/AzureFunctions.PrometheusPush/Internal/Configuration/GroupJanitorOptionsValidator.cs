using Microsoft.Extensions.Options;

namespace AzureFunctions.PrometheusPush.Internal.Configuration;

/// <summary>Checks the janitor's settings at start-up, naming each setting as an app setting of the bound section.</summary>
internal sealed class GroupJanitorOptionsValidator(PushSection section) : IValidateOptions<GroupJanitorOptions>
{
    public ValidateOptionsResult Validate(string? name, GroupJanitorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!(options.GroupTtlMinutes is > 0 and <= 10080))
        {
            failures.Add($"{section.Setting("GroupTtlMinutes")} must be a number of minutes between 0 and 10080.");
        }

        if (!(options.FinishedGroupRetentionSeconds is >= 0 and <= 604800))
        {
            failures.Add($"{section.Setting("FinishedGroupRetentionSeconds")} must be a number of seconds between 0 and 604800 (at least the longest rate() window of the rules plus two scrape intervals keeps every query exact).");
        }

        if (!(options.FailedGroupRetentionSeconds is >= 0 and <= 604800))
        {
            failures.Add($"{section.Setting("FailedGroupRetentionSeconds")} must be a number of seconds between 0 and 604800.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
