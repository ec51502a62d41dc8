namespace Exchange.Core.Requests;

/// <summary>
/// The <c>RequestTypes</c> section of <c>schedule.json</c>: the function codes (<c>InfNo</c>) insurers may submit,
/// and how the request worker answers them.
/// </summary>
public sealed class RequestTypesOptions
{
    /// <summary>The request worker's interval (the "second preset interval"); zero stops the worker.</summary>
    public TimeSpan WorkerInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claim holds a request; a claim whose worker died is taken over after it.</summary>
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts before a request that keeps failing ends <c>Failed</c>.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How long final requests and their responses are kept before they may be purged.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Largest <c>Input</c> accepted, in characters.</summary>
    public int MaxInputChars { get; set; } = 4096;

    /// <summary>
    /// How open the load gate must be for requests: <c>Idle</c> (as strict as extraction) or <c>NotHibernating</c>
    /// (also answer while the source is <c>Busy</c>; never while it hibernates or is closed).
    /// </summary>
    public RequestGateMode GateMode { get; set; } = RequestGateMode.Idle;

    /// <summary>The function codes.</summary>
    public List<RequestTypeOptions> Types { get; set; } = [];

    /// <summary>The configured type for <paramref name="infNo"/>, or null.</summary>
    public RequestTypeOptions? Find(string infNo) => Types.FirstOrDefault(t => string.Equals(t.InfNo, infNo, StringComparison.Ordinal));
}

/// <summary>How a function code is answered.</summary>
public enum RequestAnswerMode
{
    /// <summary>The request worker runs the type's parameterised query against its source.</summary>
    Query = 0,

    /// <summary>A system on the social-security side takes the request and puts the response (<c>TakePendingRequests</c>, <c>PutResponse</c>).</summary>
    External = 1,
}

/// <summary>How open the load gate must be before the request worker reads a source.</summary>
public enum RequestGateMode
{
    /// <summary>Only when the gate is <c>Idle</c>, like extraction.</summary>
    Idle = 0,

    /// <summary>Also while it is <c>Busy</c>; never while it is <c>Hibernating</c> or <c>Closed</c>.</summary>
    NotHibernating = 1,
}

/// <summary>One function code: its source, parameterised query, declared parameters and limits.</summary>
public sealed class RequestTypeOptions
{
    /// <summary>The function code insurers send as <c>InfNo</c>, for example <c>1101</c>.</summary>
    public string InfNo { get; set; } = "";

    /// <summary>What the function answers, for operators.</summary>
    public string? Description { get; set; }

    /// <summary>Answered by the request worker (<c>Query</c>) or by a source system (<c>External</c>).</summary>
    public RequestAnswerMode Mode { get; set; } = RequestAnswerMode.Query;

    /// <summary>Source name (a key of the sources in <c>appsettings.json</c>); for <c>Query</c> mode.</summary>
    public string? Source { get; set; }

    /// <summary>
    /// The query, with each declared parameter as a named placeholder in the source's dialect (<c>@name</c>,
    /// <c>:name</c> on Oracle). Values are always bound, never written into the text.
    /// </summary>
    public string? Query { get; set; }

    /// <summary>The parameters the <c>Input</c> JSON object must carry.</summary>
    public List<RequestParameterOptions> Parameters { get; set; } = [];

    /// <summary>Columns of the answer, in order; empty returns every column the query selects.</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>Most rows one answer carries; a query returning more fails with a message saying so.</summary>
    public int MaxRows { get; set; } = 1000;

    /// <summary>Longest one query may run.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A request not answered this long after submission ends <c>Expired</c>.</summary>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>A declared parameter of a function code.</summary>
public sealed class RequestParameterOptions
{
    /// <summary>Property name in the <c>Input</c> JSON object and placeholder name in the query.</summary>
    public string Name { get; set; } = "";

    /// <summary>The value's type.</summary>
    public RequestParameterType Type { get; set; } = RequestParameterType.String;

    /// <summary>Optional regular expression the whole text value must match (for <c>String</c> values).</summary>
    public string? Pattern { get; set; }

    /// <summary>Longest text value accepted.</summary>
    public int MaxLength { get; set; } = 64;

    /// <summary>Whether the parameter may be left out (it is then bound as NULL).</summary>
    public bool Optional { get; set; }
}

/// <summary>The type of a request parameter and how its JSON value is read.</summary>
public enum RequestParameterType
{
    /// <summary>A JSON string, bound as text.</summary>
    String = 0,

    /// <summary>A JSON string holding an 18-character identity number with a valid check character, bound as text (<c>x</c> upper-cased).</summary>
    IdentityNumber = 1,

    /// <summary>A JSON string <c>yyyy-MM-dd</c>, bound as a date (<c>DateOnly</c>; SQLite receives the same <c>yyyy-MM-dd</c> text).</summary>
    Date = 2,

    /// <summary>A JSON integer number, bound as a 64-bit integer.</summary>
    Integer = 3,

    /// <summary>A JSON number, bound as a decimal.</summary>
    Decimal = 4,
}
