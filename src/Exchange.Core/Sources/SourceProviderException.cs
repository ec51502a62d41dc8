namespace Exchange.Core.Sources;

/// <summary>A provider name that is not one of the four the build references.</summary>
public sealed class SourceProviderException : Exception
{
    public SourceProviderException(string message)
        : base(message)
    {
    }

    public SourceProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
