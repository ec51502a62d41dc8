namespace Exchange.Core.Configuration;

/// <summary>The <c>Exchange:Audit</c> section: how long audit records are kept (等保 2.0 asks for at least six months).</summary>
public sealed class AuditOptions
{
    /// <summary>The shortest retention accepted: 184 days (six months of up to 31 days).</summary>
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(184);

    /// <summary>Audit rows older than this may be purged (by the housekeeping job); never less than <see cref="MinimumRetention"/>.</summary>
    public TimeSpan Retention { get; set; } = MinimumRetention;
}
