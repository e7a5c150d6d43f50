using System.Net;
using System.Net.Http.Headers;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlashSale.IntegrationTests.Auth;

/// <summary>
/// CONTRACT.md, Auth: "Outside Development the service refuses to start without both keys set, and refuses keys
/// shorter than 16 characters"; in Development they default to the well-known dev keys. Each test starts a host of its own.
/// </summary>
public sealed class KeysRequiredOutsideDevelopmentTests
{
    private const string GoodAdminKey = "prod-admin-key-0";        // exactly 16 characters
    private const string GoodStorefrontKey = "prod-shop-key-01"; // exactly 16 characters

    /// <summary>AdminKey, StorefrontKey ("" means not set), and the setting the refusal must name.</summary>
    public static TheoryData<string, string, string> BadKeys => new()
    {
        { "", "", "FlashSale:AdminKey" },
        { "", GoodStorefrontKey, "FlashSale:AdminKey" },
        { GoodAdminKey, "", "FlashSale:StorefrontKey" },
        { "short", GoodStorefrontKey, "FlashSale:AdminKey" },
        { GoodAdminKey, "prod-shop-key-1", "FlashSale:StorefrontKey" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task Production_refuses_to_start_without_two_keys_of_16_characters(string adminKey, string storefrontKey, string named)
    {
        Assert.True(adminKey.Length < 16 || storefrontKey.Length < 16);
        await using var factory = Host("Production", adminKey, storefrontKey);

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        var invalid = Find<OptionsValidationException>(error);
        Assert.True(invalid is not null, $"no OptionsValidationException in: {error}");
        Assert.Contains(invalid.Failures, f => f.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_starts_with_two_keys_of_16_characters_and_accepts_only_them()
    {
        Assert.Equal((16, 16), (GoodAdminKey.Length, GoodStorefrontKey.Length));
        await using var factory = Host("Production", GoodAdminKey, GoodStorefrontKey);

        var client = factory.CreateClient();

        Assert.Equal(new Roles(Edge: true, Worker: false), factory.Services.GetRequiredService<Roles>());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/admin/sales?limit=1", GoodAdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, "/admin/sales?limit=1", GoodStorefrontKey)).StatusCode);
        // No Development defaults outside Development.
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetAsync(client, "/admin/sales?limit=1", FlashSaleOptions.DevAdminKey)).StatusCode);
    }

    [Fact]
    public async Task Development_without_keys_starts_with_the_dev_keys()
    {
        await using var factory = Host("Development", "", "");

        var client = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/admin/sales?limit=1", FlashSaleOptions.DevAdminKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(client, "/admin/sales?limit=1", FlashSaleOptions.DevStorefrontKey)).StatusCode);
    }

    /// <summary>
    /// The whole service against the test stores, in <paramref name="environment"/>, with these keys; the edge role
    /// only, so this host's worker does not take claims away from the shared test host's sales.
    /// </summary>
    private static WebApplicationFactory<Program> Host(string environment, string adminKey, string storefrontKey)
    {
        var settings = ServiceFixture.Settings(new Dictionary<string, string?>
        {
            ["FlashSale:AdminKey"] = adminKey,
            ["FlashSale:StorefrontKey"] = storefrontKey,
            ["role"] = "edge",
        });
        return new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseEnvironment(environment);
            foreach (var (key, value) in settings) b.UseSetting(key, value);
            b.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
        });
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client.SendAsync(request);
    }

    private static T? Find<T>(Exception? e) where T : Exception => e switch
    {
        null => null,
        T match => match,
        AggregateException all => all.InnerExceptions.Select(Find<T>).FirstOrDefault(x => x is not null),
        _ => Find<T>(e.InnerException),
    };
}
