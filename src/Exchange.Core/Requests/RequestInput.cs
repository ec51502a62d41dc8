using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Exchange.Core.Security;

namespace Exchange.Core.Requests;

/// <summary>An <c>Input</c> checked against a function's declared parameters.</summary>
/// <param name="Canonical">The input as stored: a JSON object with the declared parameters in declaration order.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the function code and <paramref name="Canonical"/>: what "same content" means on a resubmission.</param>
/// <param name="Values">The values to bind, by parameter name (null for a left-out optional parameter).</param>
public sealed record RequestInput(string Canonical, string Sha256, IReadOnlyDictionary<string, object?> Values)
{
    private static readonly JsonSerializerOptions Canonicalising = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Parses and checks <paramref name="input"/> for <paramref name="type"/>.</summary>
    /// <exception cref="RequestInputException">What is wrong, naming the parameter, the value (masked for identity numbers) and what is accepted.</exception>
    public static RequestInput Parse(RequestTypeOptions type, string input, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(input);
        if (input.Length > maxChars)
        {
            throw new RequestInputException($"Input is {input.Length} characters; at most {maxChars} are accepted.");
        }

        JsonObject root;
        try
        {
            var node = JsonNode.Parse(input, documentOptions: new JsonDocumentOptions { MaxDepth = 4 });
            root = node as JsonObject ?? throw new RequestInputException(
                $"Input must be a JSON object such as {Example(type)}, was a JSON {Describe(node)}.");
        }
        catch (JsonException)
        {
            throw new RequestInputException($"Input is not valid JSON; send a JSON object such as {Example(type)}.");
        }

        var declared = type.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, _) in root)
        {
            if (!declared.Contains(name))
            {
                var shown = name.Length <= 64 ? name : name[..64] + "…";
                throw new RequestInputException(
                    $"Input has property '{shown}', which function {type.InfNo} does not take; its parameters are {List(type)}.");
            }
        }

        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        var canonical = new JsonObject();
        foreach (var parameter in type.Parameters)
        {
            root.TryGetPropertyValue(parameter.Name, out var node);
            if (node is null)
            {
                if (!parameter.Optional)
                {
                    throw new RequestInputException($"Input lacks parameter '{parameter.Name}' ({Describe(parameter)}) of function {type.InfNo}.");
                }

                values[parameter.Name] = null;
                continue;
            }

            var (value, stored) = Read(type.InfNo, parameter, node);
            values[parameter.Name] = value;
            canonical[parameter.Name] = stored;
        }

        var text = canonical.ToJsonString(Canonicalising);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(type.InfNo + "\n" + text)));
        return new RequestInput(text, hash, values);
    }

    private static (object Value, JsonNode Stored) Read(string infNo, RequestParameterOptions parameter, JsonNode node)
    {
        var kind = node.GetValueKind();
        string Wrong() => $"Parameter '{parameter.Name}' of function {infNo} must be {Describe(parameter)}, was a JSON {Describe(node)}.";
        switch (parameter.Type)
        {
            case RequestParameterType.Integer:
                if (kind != JsonValueKind.Number || !node.AsValue().TryGetValue<long>(out var integer))
                {
                    throw new RequestInputException(Wrong());
                }

                return (integer, JsonValue.Create(integer));
            case RequestParameterType.Decimal:
                if (kind != JsonValueKind.Number || !node.AsValue().TryGetValue<decimal>(out var number))
                {
                    throw new RequestInputException(Wrong());
                }

                return (number, JsonValue.Create(number));
        }

        if (kind != JsonValueKind.String)
        {
            throw new RequestInputException(Wrong());
        }

        var text = node.GetValue<string>();
        if (text.Length > parameter.MaxLength)
        {
            throw new RequestInputException(
                $"Parameter '{parameter.Name}' of function {infNo} is {text.Length} characters; at most {parameter.MaxLength} are accepted.");
        }

        switch (parameter.Type)
        {
            case RequestParameterType.IdentityNumber:
                if (!IdentityNumber.IsValid(text))
                {
                    throw new RequestInputException(
                        $"Parameter '{parameter.Name}' of function {infNo} is not a valid identity number ('{IdentityNumber.Mask(text)}'); " +
                        "send the 18 characters: 17 digits with a real birth date and the check character (0-9 or X).");
                }

                text = text.ToUpperInvariant();
                break;
            case RequestParameterType.Date:
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    throw new RequestInputException($"Parameter '{parameter.Name}' of function {infNo} must be a date yyyy-MM-dd, was '{Shown(text)}'.");
                }

                return (date, JsonValue.Create(text));
        }

        if (parameter.Pattern is { } pattern && !MatchesWhole(text, pattern))
        {
            throw new RequestInputException(
                $"Parameter '{parameter.Name}' of function {infNo} does not match the pattern {pattern}, was '{Shown(text)}'.");
        }

        return (text, JsonValue.Create(text));
    }

    private static bool MatchesWhole(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, $"^(?:{pattern})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // Echoed in faults and logs: identity numbers in a free-text parameter are masked like everywhere else.
    private static string Shown(string text)
    {
        var masked = IdentityNumber.MaskWithin(text);
        return masked.Length <= 32 ? masked : masked[..32] + "…";
    }

    private static string Describe(JsonNode? node) => node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant();

    private static string Describe(RequestParameterOptions parameter) => parameter.Type switch
    {
        RequestParameterType.IdentityNumber => "an 18-character identity number as a JSON string",
        RequestParameterType.Date => "a date yyyy-MM-dd as a JSON string",
        RequestParameterType.Integer => "a JSON integer",
        RequestParameterType.Decimal => "a JSON number",
        _ => parameter.Pattern is null ? "a JSON string" : $"a JSON string matching {parameter.Pattern}",
    };

    private static string List(RequestTypeOptions type) =>
        type.Parameters.Count == 0 ? "(none)" : string.Join(", ", type.Parameters.Select(p => $"{p.Name} ({Describe(p)})"));

    private static string Example(RequestTypeOptions type) =>
        "{" + string.Join(", ", type.Parameters.Select(p => $"\"{p.Name}\": " + p.Type switch
        {
            RequestParameterType.Integer => "1",
            RequestParameterType.Decimal => "1.5",
            RequestParameterType.Date => "\"2026-01-31\"",
            _ => "\"…\"",
        })) + "}";
}

/// <summary>An <c>Input</c> that does not fit the function's declared parameters; the message is for the insurer.</summary>
public sealed class RequestInputException(string message) : Exception(message);
