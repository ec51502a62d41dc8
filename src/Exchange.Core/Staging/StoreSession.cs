using System.Data.Common;

namespace Exchange.Core.Staging;

/// <summary>
/// A staging connection lent for the few statements of one call, with the commands it prepared for earlier calls.
/// </summary>
/// <remarks>
/// The hot reads of the SOAP service (Poll, FetchBatch) and the audit group commit run the same handful of statements
/// thousands of times a second. On SQLite a pooled open would run the connection PRAGMAs and parse every statement
/// again; a session keeps both done.
/// </remarks>
public abstract class StoreSession : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The open connection.</summary>
    public abstract DbConnection Connection { get; }

    /// <summary>
    /// The command for <paramref name="sql"/> with one parameter per name in <paramref name="parameterNames"/> (the caller
    /// sets their values by position); the same command every time this session is asked for the same SQL.
    /// </summary>
    public DbCommand Command(string sql, params ReadOnlySpan<string> parameterNames)
    {
        if (_commands.TryGetValue(sql, out var command))
        {
            command.Transaction = null;
            return command;
        }

        command = Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            command.Parameters.Add(parameter);
        }

        Prepared(command);
        _commands[sql] = command;
        return command;
    }

    /// <summary>Called once for each new command, before its first execution (a dialect may compile it here).</summary>
    protected virtual void Prepared(DbCommand command)
    {
    }

    /// <summary>Ends the loan: the connection goes back to its pool or is closed.</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>Disposes the prepared commands (before the connection is closed for good).</summary>
    protected void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }
}
