using System.Text.RegularExpressions;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Kit;

/// <summary>
/// A client generated from the served document runs the contract's walkthrough against the running service:
/// openapi-typescript makes the types, tsc checks tests/openapi/walkthrough.test.ts against them, Node's test runner
/// runs it with openapi-fetch.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed partial class GeneratedClientTests(ServiceFixture app)
{
    [Fact]
    public async Task A_typescript_client_generated_from_the_document_runs_the_walkthrough()
    {
        var generator = NodeTools.ModulePath("openapi-typescript/bin/cli.js");
        var tsc = NodeTools.ModulePath("typescript/bin/tsc");
        NodeTools.ModulePath("openapi-fetch/package.json");
        var document = await NodeTools.SaveDocumentAsync(app.Storefront.Http, Path.Combine(NodeTools.Folder, "generated", "openapi.json"));

        var (generated, generateOutput, _) = await NodeTools.NodeAsync([generator, document, "-o", "generated/schema.d.ts"], TimeSpan.FromMinutes(2));
        Assert.True(generated == 0, "openapi-typescript failed:\n" + generateOutput);
        var (compiled, compileOutput, _) = await NodeTools.NodeAsync([tsc, "-p", "tsconfig.json"], TimeSpan.FromMinutes(3));
        Assert.True(compiled == 0, "the walkthrough does not type-check against the generated client:\n" + compileOutput);

        var (ran, output, _) = await NodeTools.NodeAsync(["--test", "--test-reporter=tap", "out/walkthrough.test.js"], TimeSpan.FromMinutes(2),
            new Dictionary<string, string>
            {
                ["FLASHSALE_URL"] = app.Storefront.Http.BaseAddress!.ToString().TrimEnd('/'),
                ["FLASHSALE_ADMIN_KEY"] = ServiceFixture.AdminKey,
                ["FLASHSALE_STOREFRONT_KEY"] = ServiceFixture.StorefrontKey,
            });
        Assert.True(ran == 0, "the walkthrough failed:\n" + output);
        Assert.Equal("2", Tap(output, "pass"));
        Assert.Equal("0", Tap(output, "fail"));
    }

    private static string Tap(string output, string name) =>
        Regex.Match(output, $@"^# {name} (\d+)$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : $"no '# {name}' line in:\n{output}";
}
