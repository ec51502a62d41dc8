namespace Exchange.WebService.Soap;

/// <summary>Bounds on what an incoming envelope may contain, so hostile XML costs little to refuse.</summary>
/// <param name="MaxCharacters">Most characters in a document.</param>
/// <param name="MaxDepth">Deepest element nesting (the envelope itself is depth 0).</param>
/// <param name="MaxElements">Most elements in a document.</param>
internal sealed record SoapReaderLimits(long MaxCharacters, int MaxDepth, int MaxElements)
{
    /// <summary>Limits for a request body of at most <paramref name="maxBodyBytes"/> bytes.</summary>
    // A UTF-8 body cannot hold more characters than bytes.
    public static SoapReaderLimits ForBody(long maxBodyBytes) => new(maxBodyBytes, MaxDepth: 32, MaxElements: 10_000);
}
