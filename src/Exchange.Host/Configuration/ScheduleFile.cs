using System.Security.Cryptography;
using Exchange.Core.Configuration;
using Exchange.Core.Load;
using Microsoft.Extensions.Configuration;

namespace Exchange.Host.Configuration;

/// <summary>Reads, hashes and validates the content of <c>schedule.json</c>.</summary>
internal static class ScheduleFile
{
    /// <summary>The SHA-256 of the file's bytes, so that a save that changed nothing (or a second change event) is ignored.</summary>
    public static string Hash(byte[] content) => Convert.ToHexString(SHA256.HashData(content));

    /// <summary>Binds the file's bytes (an empty file is an empty schedule).</summary>
    /// <exception cref="InvalidDataException">The content is not valid JSON or a value has the wrong type.</exception>
    public static ScheduleOptions Parse(byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.Length == 0)
        {
            return new ScheduleOptions();
        }

        try
        {
            using var stream = new MemoryStream(content);
            var configuration = new ConfigurationBuilder().AddJsonStream(stream).Build();
            return ExchangeConfiguration.BindSchedule(configuration);
        }
        catch (Exception error) when (error is InvalidOperationException or FormatException or InvalidDataException or System.Text.Json.JsonException)
        {
            var messages = new List<string>();
            for (var e = error; e is not null; e = e.InnerException)
            {
                messages.Add(e.Message);
            }

            throw new InvalidDataException(string.Join(" ", messages.Distinct(StringComparer.Ordinal)), error);
        }
    }

    /// <summary>Every problem of a schedule against the running daemon's sources.</summary>
    public static IReadOnlyList<ConfigurationProblem> Validate(ScheduleOptions schedule, ExchangeOptions exchange) =>
        [.. ScheduleOptionsValidator.Validate(schedule, exchange.Sources.Keys, CronCheck.Problem), .. LoadOptionsValidator.Validate(schedule, exchange)];
}
