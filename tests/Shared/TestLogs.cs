namespace Exchange.Testing;

/// <summary>
/// Keeps the log files a test wrote under one root, <c>$EXCHANGE_TEST_LOG_ROOT</c> (default
/// <c>&lt;repository&gt;/TestResults/logs</c>), before their temporary folder is deleted, so that
/// tests/security/scan-identity-numbers.sh can check every log line the tests made for identity numbers.
/// </summary>
public static class TestLogs
{
    public const string RootVariable = "EXCHANGE_TEST_LOG_ROOT";

    public static string Root
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(RootVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return configured;
            }

            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "Exchange.sln")))
                {
                    return System.IO.Path.Combine(dir.FullName, "TestResults", "logs");
                }
            }

            return System.IO.Path.Combine(System.IO.Path.GetTempPath(), "exchange-test-logs");
        }
    }

    /// <summary>Copies the files under <paramref name="logDirectory"/> to <c>Root/&lt;label&gt;</c>; nothing when it holds none.</summary>
    public static void Keep(string logDirectory, string label)
    {
        if (!Directory.Exists(logDirectory))
        {
            return;
        }

        var target = System.IO.Path.Combine(Root, label);
        foreach (var file in Directory.EnumerateFiles(logDirectory, "*", SearchOption.AllDirectories))
        {
            var copy = System.IO.Path.Combine(target, System.IO.Path.GetRelativePath(logDirectory, file));
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
                System.IO.File.Copy(file, copy, overwrite: true);
            }
            catch (IOException)
            {
                // A file still being written or removed: the test itself must not fail on keeping its logs.
            }
        }
    }
}
