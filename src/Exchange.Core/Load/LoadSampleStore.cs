using System.Data.Common;
using Exchange.Core.Staging;

namespace Exchange.Core.Load;

/// <summary>The gate's transitions in <c>load_samples</c>.</summary>
public sealed class LoadSampleStore(StagingDatabase database) : ILoadSampleStore
{
    /// <summary>The columns <see cref="Read"/> maps, in its order.</summary>
    internal const string Columns = "at, source, probe, value, gate_state, reason";

    /// <inheritdoc />
    public async Task AddLoadSampleAsync(LoadSample sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var session = await database.OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        await using (session.ConfigureAwait(false))
        {
            await session.ExecuteAsync(
                "INSERT INTO load_samples (at, source, probe, value, gate_state, reason) VALUES (@at, @source, @probe, @value, @state, @reason)",
                null,
                cancellationToken,
                ("at", database.ToDb(sample.At)), ("source", sample.Source), ("probe", sample.Probe),
                ("value", sample.Value), ("state", sample.State.ToString()), ("reason", sample.Reason)).ConfigureAwait(false);
        }
    }

    /// <summary>A row of <see cref="Columns"/>.</summary>
    internal static LoadSample Read(DbDataReader reader, StagingDatabase database) => new(
        database.ReadTimestamp(reader, 0),
        reader.GetString(1),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetDouble(3),
        Enum.Parse<GateState>(reader.GetString(4)),
        reader.IsDBNull(5) ? "" : reader.GetString(5));
}
