namespace Exchange.Core.Configuration;

/// <summary><c>Exchange:Retention</c>: how long acknowledged batches, finished requests and audit rows are kept.</summary>
public sealed class RetentionOptions
{
    /// <summary>The shortest audit retention accepted: 等保 2.0 asks for at least six months of audit records.</summary>
    public static readonly TimeSpan MinimumAuditRetention = TimeSpan.FromDays(184);

    /// <summary>Batches acknowledged by every insurer allowed to see them are removed once older than this.</summary>
    public TimeSpan Batches { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Requests in a final state (Completed, Failed, Expired) and their responses are removed once unchanged for this long.</summary>
    public TimeSpan Requests { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Audit rows are removed once older than this (at least 184 days).</summary>
    public TimeSpan Audit { get; set; } = TimeSpan.FromDays(184);

    /// <summary>Probe readings for the status page are removed once older than this.</summary>
    public TimeSpan LoadSamples { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Quartz cron (seconds first) of the scheduled purge; empty turns the scheduled purge off.</summary>
    public string Cron { get; set; } = "0 17 3 * * ?";
}
