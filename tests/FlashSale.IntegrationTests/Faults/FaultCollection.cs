namespace FlashSale.IntegrationTests.Faults;

/// <summary>Fault tests share their own stores and run one at a time: each breaks things on purpose.</summary>
[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultStores>
{
    public const string Name = "faults";
}
