using System.Text.RegularExpressions;
using Exchange.Core.Configuration;
using Exchange.Core.Sources;

namespace Exchange.Core.Requests;

/// <summary>Checks the <c>RequestTypes</c> section of <c>schedule.json</c>; every problem names the field, the value, and what is accepted.</summary>
public static partial class RequestTypesValidator
{
    private const string File = "schedule.json";

    /// <summary>All problems found (empty when the request types are usable).</summary>
    /// <param name="options">The section.</param>
    /// <param name="sources">The sources configured in <c>appsettings.json</c>.</param>
    public static IReadOnlyList<ConfigurationProblem> Validate(RequestTypesOptions options, IReadOnlyDictionary<string, SourceOptions> sources)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sources);
        var problems = new List<ConfigurationProblem>();
        void Add(string field, string message) => problems.Add(new ConfigurationProblem(File, "RequestTypes:" + field, message));

        if (options.WorkerInterval < TimeSpan.Zero || options.WorkerInterval > TimeSpan.FromDays(1))
        {
            Add("WorkerInterval", $"must be between 00:00:00 (worker off) and 1.00:00:00, was {options.WorkerInterval}");
        }

        if (options.LeaseTime < TimeSpan.FromSeconds(1))
        {
            Add("LeaseTime", $"must be at least 00:00:01, was {options.LeaseTime}");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            Add("MaxAttempts", $"must be between 1 and 100, was {options.MaxAttempts}");
        }

        if (options.KeepFor < TimeSpan.FromMinutes(1))
        {
            Add("KeepFor", $"must be at least 00:01:00, was {options.KeepFor}");
        }

        if (options.MaxInputChars is < 16 or > 1_000_000)
        {
            Add("MaxInputChars", $"must be between 16 and 1000000, was {options.MaxInputChars}");
        }

        if (!Enum.IsDefined(options.GateMode))
        {
            Add("GateMode", $"must be Idle or NotHibernating, was '{options.GateMode}'");
        }

        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Types.Count; i++)
        {
            if (options.Types[i].Timeout >= options.LeaseTime)
            {
                Add($"Types:{i}:Timeout", $"must be shorter than LeaseTime ({options.LeaseTime}), or a running query could be taken over; was {options.Types[i].Timeout}");
            }

            ValidateType(options.Types[i], $"Types:{i}", codes, sources, Add);
        }

        return problems;
    }

    private static void ValidateType(
        RequestTypeOptions type, string at, HashSet<string> codes, IReadOnlyDictionary<string, SourceOptions> sources, Action<string, string> add)
    {
        void Add(string field, string message) => add($"{at}:{field}", message);

        if (!FunctionCode().IsMatch(type.InfNo))
        {
            Add("InfNo", $"must be 1 to 32 letters, digits, '_', '.' or '-', was '{type.InfNo}'");
        }
        else if (!codes.Add(type.InfNo))
        {
            Add("InfNo", $"'{type.InfNo}' is configured twice; function codes must be unique");
        }

        if (!Enum.IsDefined(type.Mode))
        {
            Add("Mode", $"must be Query or External, was '{type.Mode}'");
        }

        var parameterNames = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < type.Parameters.Count; p++)
        {
            ValidateParameter(type.Parameters[p], $"Parameters:{p}", parameterNames, Add);
        }

        if (type.MaxRows is < 1 or > 100_000)
        {
            Add("MaxRows", $"must be between 1 and 100000, was {type.MaxRows}");
        }

        if (type.Timeout <= TimeSpan.Zero || type.Timeout > TimeSpan.FromHours(1))
        {
            Add("Timeout", $"must be more than 00:00:00 and at most 01:00:00, was {type.Timeout}");
        }

        if (type.Expiry <= type.Timeout)
        {
            Add("Expiry", $"must be longer than Timeout ({type.Timeout}), was {type.Expiry}");
        }

        for (var c = 0; c < type.Columns.Count; c++)
        {
            if (string.IsNullOrWhiteSpace(type.Columns[c]))
            {
                Add($"Columns:{c}", "must name a column of the query's result, was empty");
            }
        }

        if (type.Mode != RequestAnswerMode.Query)
        {
            return;
        }

        if (type.Source is null || !sources.TryGetValue(type.Source, out var source))
        {
            var known = sources.Count == 0 ? "none configured" : string.Join(", ", sources.Keys);
            Add("Source", $"must name a source in appsettings.json ({known}), was '{type.Source}'");
            source = null;
        }

        if (string.IsNullOrWhiteSpace(type.Query))
        {
            Add("Query", "must be a SELECT with a named placeholder for each parameter (Query mode), was empty");
            return;
        }

        if (source is null || !SourceProviders.Names.Contains(source.Provider, StringComparer.Ordinal))
        {
            return;
        }

        var dialect = SourceProviders.GetDialect(source.Provider);
        var used = RequestQuery.Placeholders(type.Query, dialect);
        foreach (var name in parameterNames.Where(n => !used.Contains(n)))
        {
            Add("Query", $"has no placeholder {dialect.Parameter(name)} for declared parameter '{name}' (source '{type.Source}' is {source.Provider})");
        }

        foreach (var name in used.Where(n => !parameterNames.Contains(n)))
        {
            Add("Query", $"uses placeholder {dialect.Parameter(name)}, which is not a declared parameter ({(parameterNames.Count == 0 ? "none declared" : string.Join(", ", parameterNames))})");
        }
    }

    private static void ValidateParameter(RequestParameterOptions parameter, string at, HashSet<string> names, Action<string, string> add)
    {
        if (!SqlDialects.IsPlainIdentifier(parameter.Name) || parameter.Name.Length > 64)
        {
            add($"{at}:Name", $"must be a plain identifier of at most 64 characters ([A-Za-z_][A-Za-z0-9_$#]*), was '{parameter.Name}'");
        }
        else if (!names.Add(parameter.Name))
        {
            add($"{at}:Name", $"'{parameter.Name}' is declared twice; parameter names must be unique");
        }

        if (!Enum.IsDefined(parameter.Type))
        {
            add($"{at}:Type", $"must be String, IdentityNumber, Date, Integer or Decimal, was '{parameter.Type}'");
        }

        if (parameter.MaxLength is < 1 or > 4000)
        {
            add($"{at}:MaxLength", $"must be between 1 and 4000, was {parameter.MaxLength}");
        }

        if (parameter.Pattern is { } pattern)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException error)
            {
                add($"{at}:Pattern", $"'{pattern}' is not a valid regular expression: {error.Message}");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.\\-]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex FunctionCode();
}
