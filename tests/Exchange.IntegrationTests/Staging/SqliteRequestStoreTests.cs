using Exchange.Core.Staging;

namespace Exchange.IntegrationTests.Staging;

public sealed class SqliteRequestStoreTests : RequestStoreContract, IDisposable
{
    private readonly TempDirectory _folder = new("exchange-requests");

    protected override async Task<AdoStagingStore> CreateStoreAsync()
    {
        var store = new SqliteStagingStore($"Data Source={_folder.File($"staging-{Guid.NewGuid():N}.db")}", Clock);
        await store.MigrateAsync(default);
        return store;
    }

    protected override Task<AdoStagingStore> OpenAnotherAsync(AdoStagingStore store) =>
        Task.FromResult<AdoStagingStore>(new SqliteStagingStore($"Data Source={((SqliteStagingStore)store).FilePath};Pooling=False", Clock));

    public void Dispose() => _folder.Dispose();
}
