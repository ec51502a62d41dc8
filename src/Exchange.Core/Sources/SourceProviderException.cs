namespace Exchange.Core.Sources;

/// <summary>A provider cannot be used: an unknown name, or a vendor assembly that is not installed.</summary>
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
