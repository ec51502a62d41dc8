using System.Data.Common;
using Dapper;
using Exchange.Core.Sources;
using Microsoft.Data.Sqlite;

namespace Exchange.Core.Demo;

/// <summary>Row writes shared by <see cref="DemoSource"/> and <see cref="DemoInserter"/>.</summary>
internal static class DemoTables
{
    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, DemoPerson p, string updatedAt) =>
        connection.ExecuteAsync(
            "INSERT INTO AC01 (AAC001, AAC002, AAC003, AAC004, AAC006, AAB001, AAE036) VALUES (@Aac001, @Aac002, @Aac003, @Aac004, @Aac006, @Aab001, @UpdatedAt)",
            new { p.Aac001, p.Aac002, p.Aac003, p.Aac004, p.Aac006, p.Aab001, UpdatedAt = updatedAt },
            transaction);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, DemoContribution c, string updatedAt) =>
        connection.ExecuteAsync(
            "INSERT INTO AC43 (AAZ223, AAC001, AAE002, AAE140, AAE180, AAE022, AAE036) VALUES (@Aaz223, @Aac001, @Aae002, @Aae140, @Aae180, @Aae022, @UpdatedAt)",
            new { c.Aaz223, c.Aac001, c.Aae002, c.Aae140, c.Aae180, c.Aae022, UpdatedAt = updatedAt },
            transaction);

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, DemoSettlement s, string updatedAt) =>
        connection.ExecuteAsync(
            "INSERT INTO KC24 (AKC190, AAC001, AKB020, AKC194, AKC264, AKE039, AKC255, AAE036) VALUES (@Akc190, @Aac001, @Akb020, @Akc194, @Akc264, @Ake039, @Akc255, @UpdatedAt)",
            new { s.Akc190, s.Aac001, s.Akb020, s.Akc194, s.Akc264, s.Ake039, s.Akc255, UpdatedAt = updatedAt },
            transaction);

    /// <summary>Refuses a connection string whose <c>{data}</c> placeholder was not expanded (it would create a folder named <c>{data}</c>).</summary>
    public static void EnsureExpanded(string connectionString)
    {
        if (connectionString.Contains(DataDirectory.Placeholder, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The demo source's connection string still contains {DataDirectory.Placeholder}; expand it with DataDirectory.Expand before creating the demo.",
                nameof(connectionString));
        }
    }

    /// <summary>Opens the demo database, creating its folder when needed.</summary>
    public static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        EnsureExpanded(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.DataSource) && builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
