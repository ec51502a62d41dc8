
namespace Exchange.IntegrationTests.Staging;

public sealed class SqliteRequestStoreTests : RequestStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-requests");

    protected override async Task<TestStaging> CreateStoreAsync()
    {
        var store = TestStaging.Sqlite($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    protected override Task<TestStaging> OpenAnotherAsync(TestStaging store) =>
        Task.FromResult<TestStaging>(TestStaging.Sqlite($"Data Source={((TestStaging)store).FilePath};Pooling=False", Clock));

    public void Dispose() => _folder.Dispose();
}
