using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Exchange.Core.Sources;

namespace Exchange.Core.Load;

/// <summary>Reads one number that says how loaded a source is. Throws when it cannot; the gate counts that as busy.</summary>
public interface ILoadProbe
{
    /// <summary>The probe's name in logs and <c>load_samples</c>.</summary>
    string Name { get; }

    /// <summary>Reads the current value.</summary>
    Task<double> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A query returning one number (a preset or the operator's own), run on a short-lived connection to the source's
/// primary, or for <see cref="SourceRole.Read"/> to its standby.
/// </summary>
public sealed class SqlScalarProbe(string name, SourceConnector sources, string source, string sql, SourceRole role = SourceRole.Primary) : ILoadProbe
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public async Task<double> ReadAsync(CancellationToken cancellationToken)
    {
        var connection = await sources.OpenAsync(source, role, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = sql;
                var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return value is null or DBNull
                    ? throw new InvalidOperationException($"probe '{Name}' returned no value")
                    : Convert.ToDouble(value, CultureInfo.InvariantCulture);
            }
        }
    }
}

/// <summary>The time in milliseconds a trivial query takes: a loaded server answers it late.</summary>
public sealed class CanaryLatencyProbe(string name, SourceConnector sources, string source, string sql, SourceRole role = SourceRole.Primary) : ILoadProbe
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public async Task<double> ReadAsync(CancellationToken cancellationToken)
    {
        var connection = await sources.OpenAsync(source, role, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = sql;
                var started = Stopwatch.GetTimestamp();
                _ = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }
    }
}

/// <summary>A number served over HTTP (a monitoring system's gauge): the body, or one property of a JSON body.</summary>
public sealed class HttpNumberProbe(string name, HttpClient client, Uri url, string? jsonProperty) : ILoadProbe
{
    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public async Task<double> ReadAsync(CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"probe '{Name}': {url} answered HTTP {(int)response.StatusCode}");
        }

        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
        if (jsonProperty is null)
        {
            return double.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new InvalidOperationException($"probe '{Name}': {url} did not answer a number");
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty(jsonProperty, out var property) && property.TryGetDouble(out var value)
            ? value
            : throw new InvalidOperationException($"probe '{Name}': {url} has no number in property '{jsonProperty}'");
    }
}

/// <summary>The same probe on the primary and on the standby: the higher reading counts, and either failing fails it.</summary>
public sealed class PrimaryAndStandbyProbe(ILoadProbe primary, ILoadProbe standby) : ILoadProbe
{
    /// <inheritdoc />
    public string Name => primary.Name;

    /// <inheritdoc />
    public async Task<double> ReadAsync(CancellationToken cancellationToken)
    {
        var onPrimary = await primary.ReadAsync(cancellationToken).ConfigureAwait(false);
        var onStandby = await standby.ReadAsync(cancellationToken).ConfigureAwait(false);
        return Math.Max(onPrimary, onStandby);
    }
}
