using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Exchange.Benchmarks;

/// <summary>
/// The old way: a program that reads the whole table at full speed whenever it runs, with no regard for the load
/// of the production database. It reads the table again and again until its time is up.
/// </summary>
internal static class NaiveExtractor
{
    public static async Task<int> RunAsync(string source, TimeSpan duration, Stopwatch clock)
    {
        long rows = 0;
        var passes = 0;
        await using var connection = new NpgsqlConnection(source);
        await connection.OpenAsync();
        var values = new object[16];
        while (clock.Elapsed < duration)
        {
            await using var command = new NpgsqlCommand("SELECT * FROM ac43 ORDER BY aae036, aaz223", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync() && clock.Elapsed < duration)
            {
                reader.GetValues(values);
                rows++;
            }

            passes++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"naive rows_read={rows} passes={passes} seconds={clock.Elapsed.TotalSeconds:F1}"));
        return 0;
    }
}
