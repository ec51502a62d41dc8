namespace Exchange.Testing;

/// <summary>
/// A folder under the system temp folder, deleted on dispose. One source file, compiled into each test project that uses
/// it (see the test projects' <c>Compile Include</c>).
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "exchange-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // Pooled SQLite connections keep their files open; close them so the folder can go.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean: a test must not fail on cleanup.
        }
    }
}
