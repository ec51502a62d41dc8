using System.Data.Common;
using Exchange.Core.Staging;

namespace Exchange.Core.Audit;

/// <summary>
/// The <c>audit_log</c> rows as every store writes and reads them: a write that is audited inserts its record in its own
/// transaction through <see cref="InsertAsync(StagingSession, DbTransaction, AuditEntry, StagingDatabase, CancellationToken)"/>.
/// </summary>
internal static class AuditRows
{
    private const string InsertSql =
        "INSERT INTO audit_log (at, principal, operation, object_id, outcome, remote_address, calls) VALUES (@at, @principal, @operation, @objectId, @outcome, @remoteAddress, @calls)";

    private const string SelectSql = "SELECT at, principal, operation, object_id, outcome, remote_address, calls FROM audit_log ";

    /// <summary>Writes <paramref name="entry"/> in <paramref name="transaction"/>.</summary>
    public static Task InsertAsync(StagingSession session, DbTransaction transaction, AuditEntry entry, StagingDatabase database, CancellationToken cancellationToken) =>
        session.ExecuteAsync(InsertSql, transaction, cancellationToken, Parameters(entry, database));

    /// <summary>Writes every one of <paramref name="entries"/> in <paramref name="transaction"/> (one round trip where the database batches).</summary>
    public static Task InsertAllAsync(StagingSession session, DbTransaction transaction, IReadOnlyList<AuditEntry> entries, StagingDatabase database, CancellationToken cancellationToken) =>
        session.ExecuteEachAsync(InsertSql, transaction, [.. entries.Select(e => Parameters(e, database))], cancellationToken);

    private static (string Name, object? Value)[] Parameters(AuditEntry entry, StagingDatabase database) =>
    [
        ("at", database.ToDb(entry.At)),
        ("principal", entry.Principal),
        ("operation", entry.Operation),
        ("objectId", entry.ObjectId),
        ("outcome", entry.Outcome),
        ("remoteAddress", entry.RemoteAddress),
        ("calls", entry.Calls),
    ];

    /// <summary>Writes <paramref name="audit"/>'s record in <paramref name="transaction"/> (nothing when null).</summary>
    public static Task InsertAsync(StagingSession session, DbTransaction transaction, AuditRecord? audit, StagingDatabase database, CancellationToken cancellationToken) =>
        audit is null ? Task.CompletedTask : InsertAsync(session, transaction, audit.Entry, database, cancellationToken);

    /// <summary>Audit records selected by <paramref name="whereOrderLimit"/> (the SQL after <c>FROM audit_log</c>).</summary>
    public static Task<IReadOnlyList<AuditEntry>> QueryAsync(
        StagingDatabase database, string whereOrderLimit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters) =>
        database.QueryAsync(
            SelectSql + whereOrderLimit,
            reader => new AuditEntry(
                database.ReadTimestamp(reader, 0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6)),
            cancellationToken,
            parameters);
}
