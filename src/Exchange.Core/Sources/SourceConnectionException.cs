using System.Data.Common;

namespace Exchange.Core.Sources;

/// <summary>
/// A source could not be reached or refused the login. The message names the source, its host and port, the driver's
/// own code (<c>ORA-…</c>, the SQL Server error number, the PostgreSQL SQLSTATE) and what to check; never the password.
/// </summary>
/// <remarks>A <see cref="DbException"/>, so that whoever treats a database error as "busy" or "retry later" still does.</remarks>
public sealed class SourceConnectionException : DbException
{
    public SourceConnectionException(string source, string endpoint, string driverCode, string message, Exception innerException)
        : base(message, innerException)
    {
        Source = source;
        Endpoint = endpoint;
        DriverCode = driverCode;
    }

    /// <summary>The configured source's name.</summary>
    public new string Source { get; }

    /// <summary>Where the connection went: <c>host:port</c>, a named instance, a TNS alias or a file.</summary>
    public string Endpoint { get; }

    /// <summary>The driver's own code, for example <c>ORA-50201</c> or <c>SQL Server error 18456</c>.</summary>
    public string DriverCode { get; }

    /// <inheritdoc />
    public override bool IsTransient => InnerException is DbException { IsTransient: true };
}
