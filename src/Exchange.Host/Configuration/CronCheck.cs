using Quartz;

namespace Exchange.Host.Configuration;

/// <summary>Cron validation with the scheduler's own parser.</summary>
internal static class CronCheck
{
    /// <summary>Null when <paramref name="expression"/> is a valid Quartz cron expression, else the parser's reason.</summary>
    public static string? Problem(string expression)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return "it is empty";
        }

        try
        {
            _ = new CronExpression(expression);
            return null;
        }
        catch (FormatException error)
        {
            return error.Message;
        }
    }
}
