namespace AzureFunctions.PrometheusPush;

/// <summary>
/// When <see cref="PushGroupJanitor"/> deletes a group of this app's job, bound from the same configuration section as
/// <see cref="PushOptions"/>. The defaults follow the windows of the push-health rules shipped with the package
/// (<c>rules/push-health.yml</c>: 5-minute rates, a 10-minute failure window) at 15 s scrapes.
/// </summary>
public sealed class GroupJanitorOptions
{
    /// <summary>Minutes after its last push at which a silent group (no final push: killed, cut off) is deleted.</summary>
    public double GroupTtlMinutes { get; set; } = 15;

    /// <summary>
    /// Seconds after its final push at which the group of an instance that stopped gracefully is deleted: once no
    /// 5-minute <c>rate()</c> window holds a change of its values (300 s and two 15 s scrapes). Sooner, its series would
    /// end inside a window and <c>rate()</c> would extrapolate them.
    /// </summary>
    public double FinishedGroupRetentionSeconds { get; set; } = 330;

    /// <summary>As <see cref="FinishedGroupRetentionSeconds"/> for a group that counted push failures (the failure rule reads 10 minutes).</summary>
    public double FailedGroupRetentionSeconds { get; set; } = 630;
}
