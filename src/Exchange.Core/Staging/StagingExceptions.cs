namespace Exchange.Core.Staging;

/// <summary>The staging schema cannot be used by this build (for example a newer version than it knows).</summary>
public sealed class StagingSchemaException(string message) : Exception(message);

/// <summary>The dataset's stored watermark is not the one the writer started from; nothing was written.</summary>
public sealed class WatermarkConflictException(string dataset, string? expected, string? actual)
    : Exception($"Watermark of dataset '{dataset}' moved: expected '{expected ?? "(none)"}', found '{actual ?? "(none)"}'; the batch was not stored.")
{
    public string Dataset { get; } = dataset;
}
