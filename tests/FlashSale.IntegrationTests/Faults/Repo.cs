namespace FlashSale.IntegrationTests.Faults;

/// <summary>Paths in the checkout the tests run from.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>Release or Debug, whichever built this test assembly: the service binary is taken from the same build.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    public static string ServiceDll => Path.Combine(Root, "src", "FlashSale.Service", "bin", Configuration, "net10.0", "FlashSale.Service.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlashSale.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlashSale.sln not found above " + AppContext.BaseDirectory);
    }
}
