using Exchange.Core.Extraction;
using Exchange.Core.Sources;

namespace Exchange.Core.Tests.Extraction;

public sealed class CommitHorizonTests
{
    [Fact]
    public void Sql_Oracle_ReadsGvTransactionWithItsSession_AgeOnTheSourceClock()
    {
        Assert.Equal(
            "SELECT SYS_EXTRACT_UTC(SYSTIMESTAMP) AS source_now, 1 AS readable, (SYSDATE - o.start_date) * 86400 AS age_seconds, o.session_id AS \"SESSION\", " +
            "o.username AS user_name, o.program AS application FROM dual LEFT JOIN (" +
            "SELECT t.start_date, s.sid || ',' || s.serial# || '@' || s.inst_id AS session_id, s.username, s.program FROM gv$transaction t " +
            "JOIN gv$session s ON s.saddr = t.ses_addr AND s.inst_id = t.inst_id ORDER BY t.start_date FETCH FIRST 1 ROWS ONLY) o ON 1 = 1",
            CommitHorizon.Sql[SqlDialect.Oracle]);
    }

    [Fact]
    public void Sql_SqlServer_ReadsUserTransactionsOfOtherSessions()
    {
        Assert.Equal(
            "SELECT SYSUTCDATETIME() AS source_now, CAST(1 AS bit) AS readable, " +
            "DATEDIFF_BIG(MILLISECOND, o.transaction_begin_time, SYSDATETIME()) / 1000.0 AS age_seconds, CAST(o.session_id AS nvarchar(12)) AS session, " +
            "o.login_name AS user_name, o.program_name AS application FROM (SELECT 1 AS one) AS one OUTER APPLY (" +
            "SELECT TOP (1) t.transaction_begin_time, s.session_id, s.login_name, s.program_name FROM sys.dm_tran_active_transactions t " +
            "JOIN sys.dm_tran_session_transactions st ON st.transaction_id = t.transaction_id JOIN sys.dm_exec_sessions s ON s.session_id = st.session_id " +
            "WHERE st.is_user_transaction = 1 AND s.session_id <> @@SPID ORDER BY t.transaction_begin_time) AS o",
            CommitHorizon.Sql[SqlDialect.SqlServer]);
    }

    [Fact]
    public void Sql_Postgres_CountsThisDatabasesTransactions_WritersSqlOnlyThoseHoldingAnXidInAnyDatabase()
    {
        Assert.Contains("WHERE a.xact_start IS NOT NULL AND a.datname = current_database() AND a.pid <> pg_backend_pid()", CommitHorizon.Sql[SqlDialect.Postgres], StringComparison.Ordinal);
        Assert.Contains("WHERE a.backend_xid IS NOT NULL AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()", CommitHorizon.PostgresWritersSql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SqlDialect.Postgres, "GRANT pg_read_all_stats TO exch;")]
    [InlineData(SqlDialect.Oracle, "GRANT SELECT ON SYS.GV_$TRANSACTION TO exch; GRANT SELECT ON SYS.GV_$SESSION TO exch;")]
    [InlineData(SqlDialect.SqlServer, "GRANT VIEW SERVER STATE TO exch;")]
    public void GrantNeeded_NamesTheGrant(SqlDialect dialect, string grant) => Assert.Equal(grant, CommitHorizon.GrantNeeded(dialect, "exch"));

    [Fact]
    public void Age_IsMeasuredOnTheSourceClock()
    {
        var now = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromHours(7), new HorizonReading(now, true, new OpenTransaction("42", "app", "posting", now.AddHours(-7))).Age);
        Assert.Equal(TimeSpan.Zero, new HorizonReading(now, true, null).Age);
    }
}
