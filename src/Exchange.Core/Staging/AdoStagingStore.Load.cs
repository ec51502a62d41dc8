using Dapper;
using Exchange.Core.Load;

namespace Exchange.Core.Staging;

/// <summary>The gate's transitions in <c>load_samples</c>.</summary>
public abstract partial class AdoStagingStore : ILoadSampleStore
{
    /// <inheritdoc />
    public async Task AddLoadSampleAsync(LoadSample sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO load_samples (at, source, probe, value, gate_state, reason) VALUES (@at, @source, @probe, @value, @state, @reason)",
                new { at = ToDb(sample.At), source = sample.Source, probe = sample.Probe, value = sample.Value, state = sample.State.ToString(), reason = sample.Reason },
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<LoadSample>> ReadLoadSamplesAsync(string source, DateTimeOffset since, int max, CancellationToken cancellationToken) =>
        QueryListAsync(
            "SELECT at, source, probe, value, gate_state, reason FROM load_samples WHERE source = @source AND at >= @since ORDER BY sample_id LIMIT @max",
            new { source, since = ToDb(since), max },
            reader => new LoadSample(
                ReadTimestamp(reader, 0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetDouble(3),
                Enum.Parse<GateState>(reader.GetString(4)),
                reader.IsDBNull(5) ? "" : reader.GetString(5)),
            cancellationToken);
}
