using System.Security.Cryptography;
using Exchange.Core.Configuration;
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
            throw new InvalidDataException(ExchangeConfiguration.Describe(error), error);
        }
    }
}
