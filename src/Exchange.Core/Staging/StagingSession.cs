using System.Data.Common;
using System.Globalization;

namespace Exchange.Core.Staging;

/// <summary>
/// A staging connection lent for the statements of one call, and the one way the stores run SQL: every statement names
/// its parameters beside their values, <c>("dataset", dataset)</c>, in the same order on every call.
/// </summary>
/// <remarks>
/// The hot reads of the SOAP service (Poll, FetchBatch) and the audit group commit run the same handful of statements
/// thousands of times a second. A SQLite session is a connection kept open with its PRAGMAs set and its statements
/// compiled once; a pooled connection opened per call would run the PRAGMAs and compile every statement again, which
/// costs more than the statements themselves.
/// </remarks>
internal abstract class StagingSession : IAsyncDisposable
{
    // Statements built per call (IN lists of varying length) must not grow the kept set without bound.
    private const int MaxKeptCommands = 64;
    private readonly StagingDatabase _database;
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    private protected StagingSession(StagingDatabase database)
    {
        _database = database;
    }

    /// <summary>The open connection.</summary>
    public abstract DbConnection Connection { get; }

    /// <summary>Whether commands are compiled once and kept for later calls on this connection.</summary>
    private protected virtual bool KeepsCommands => false;

    /// <summary>Begins a transaction that will write.</summary>
    public Task<DbTransaction> BeginWriteAsync(CancellationToken cancellationToken) => _database.BeginWriteAsync(Connection, cancellationToken);

    /// <summary>Runs a statement; returns the rows it changed.</summary>
    public async Task<int> ExecuteAsync(string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Rent(sql, transaction, parameters, out var kept);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseAsync(command, kept).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="sql"/> once for each parameter set of <paramref name="rows"/> in <paramref name="transaction"/>.
    /// Where the provider batches (PostgreSQL), all go to the server in one round trip; a round trip per row made the
    /// audit group commit's writer, which writes for every SOAP call, the limit of the whole service.
    /// </summary>
    public async Task ExecuteEachAsync(string sql, DbTransaction transaction, IReadOnlyList<(string Name, object? Value)[]> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (KeepsCommands || !Connection.CanCreateBatch || rows.Count < 2)
        {
            foreach (var parameters in rows)
            {
                await ExecuteAsync(sql, transaction, cancellationToken, parameters).ConfigureAwait(false);
            }

            return;
        }

        var batch = Connection.CreateBatch();
        await using (batch.ConfigureAwait(false))
        {
            batch.Transaction = transaction;
            foreach (var parameters in rows)
            {
                var command = batch.CreateBatchCommand();
                command.CommandText = sql;
                foreach (var (name, value) in parameters)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = value ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first column of the first row, converted to <typeparamref name="T"/>; default when there is no row or it is NULL.</summary>
    public async Task<T> ScalarAsync<T>(string sql, DbTransaction? transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Rent(sql, transaction, parameters, out var kept);
        try
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull
                ? default!
                : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), CultureInfo.InvariantCulture);
        }
        finally
        {
            await ReleaseAsync(command, kept).ConfigureAwait(false);
        }
    }

    /// <summary>Every row of a query, mapped by <paramref name="map"/> (the stored timestamps need the dialect to read them).</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(
        string sql, DbTransaction? transaction, Func<DbDataReader, T> map, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        var command = Rent(sql, transaction, parameters, out var kept);
        try
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
        finally
        {
            await ReleaseAsync(command, kept).ConfigureAwait(false);
        }
    }

    /// <summary>Ends the loan: the connection goes back to its pool or is closed.</summary>
    public abstract ValueTask DisposeAsync();

    /// <summary>Disposes the kept commands (before the connection is closed for good).</summary>
    private protected void DisposeCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private static ValueTask ReleaseAsync(DbCommand command, bool kept)
    {
        if (!kept)
        {
            return command.DisposeAsync();
        }

        // A kept command must not hold on to a payload or a finished transaction until its next call.
        command.Transaction = null;
        foreach (DbParameter parameter in command.Parameters)
        {
            parameter.Value = null;
        }

        return ValueTask.CompletedTask;
    }

    private DbCommand Rent(string sql, DbTransaction? transaction, (string Name, object? Value)[] parameters, out bool kept)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = "@" + name;
                command.Parameters.Add(parameter);
            }

            if (KeepsCommands)
            {
                if (_commands.Count >= MaxKeptCommands)
                {
                    DisposeCommands();
                }

                // Compiled now and kept: without Prepare, Microsoft.Data.Sqlite compiles the SQL again on every execution.
                command.Prepare();
                _commands[sql] = command;
            }
        }

        kept = KeepsCommands;
        command.Transaction = transaction;
        for (var i = 0; i < parameters.Length; i++)
        {
            command.Parameters[i].Value = parameters[i].Value ?? DBNull.Value;
        }

        return command;
    }
}
