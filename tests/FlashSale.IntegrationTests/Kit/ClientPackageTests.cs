using System.Diagnostics;
using System.IO.Compression;
using FlashSale.IntegrationTests.Faults;

namespace FlashSale.IntegrationTests.Kit;

/// <summary><c>dotnet pack src/FlashSale.Client</c> makes the NuGet package a storefront references.</summary>
public sealed class ClientPackageTests
{
    [Fact]
    public async Task Packing_the_client_makes_a_package_with_the_library_its_docs_and_readme()
    {
        var output = Directory.CreateTempSubdirectory("flashsale-pack-");
        try
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Repo.Root };
            foreach (var arg in new[] { "pack", "src/FlashSale.Client", "-c", Repo.Configuration, "--no-build", "-o", output.FullName })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var log = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await process.WaitForExitAsync(deadline.Token);
            Assert.True(process.ExitCode == 0, await log + await errors);

            var package = Assert.Single(output.GetFiles("FlashSale.Client.*.nupkg"));
            using var zip = ZipFile.OpenRead(package.FullName);
            var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains("lib/net10.0/FlashSale.Client.dll", entries);
            Assert.Contains("lib/net10.0/FlashSale.Client.xml", entries);
            Assert.Contains("README.md", entries);
            using var nuspec = new StreamReader(zip.GetEntry("FlashSale.Client.nuspec")!.Open());
            Assert.Contains("<id>FlashSale.Client</id>", await nuspec.ReadToEndAsync());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
