namespace Exchange.Core.Sources;

/// <summary>Which server of a source a connection goes to.</summary>
public enum SourceRole
{
    /// <summary>The primary (production) server: load probes.</summary>
    Primary = 0,

    /// <summary>The standby named by <c>ReadConnectionString</c>, or the primary when none is: extraction and request queries.</summary>
    Read = 1,
}

/// <summary>Which servers the load probes of a source with a standby measure.</summary>
public enum ProbeTarget
{
    /// <summary>The primary only: it is what must not be disturbed.</summary>
    Primary = 0,

    /// <summary>The primary and the standby; the higher reading counts.</summary>
    PrimaryAndStandby = 1,
}

/// <summary>The isolation level of the daemon's SQL Server sessions.</summary>
public enum SqlServerIsolation
{
    /// <summary><c>READ COMMITTED</c> (row versions when the database has <c>READ_COMMITTED_SNAPSHOT</c> on).</summary>
    ReadCommitted = 0,

    /// <summary><c>SNAPSHOT</c>; the server refuses the first read (error 3952) when the database does not allow it.</summary>
    Snapshot = 1,

    /// <summary><c>SNAPSHOT</c> when the database allows it (<c>ALLOW_SNAPSHOT_ISOLATION ON</c>), else <c>READ COMMITTED</c>.</summary>
    SnapshotWhenAllowed = 2,
}
