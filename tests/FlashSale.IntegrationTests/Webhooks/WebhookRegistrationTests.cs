using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.Webhooks;

/// <summary>
/// Registering the merchant's endpoints (<c>/admin/webhooks</c>): the secret is shown once, bad input is a 400 that
/// creates nothing, and outside Development internal targets are refused (the SSRF guard). Endpoints are PostgreSQL
/// rows and Redis plays no part here, so this runs on one node only.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class WebhookRegistrationTests(ServiceFixture app)
{
    [Fact]
    public async Task An_endpoint_is_created_with_its_secret_shown_once_and_can_be_removed()
    {
        var response = await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/hooks", events = new[] { "claim.paid" } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("webhookId").GetString()!;
        Assert.Equal($"/admin/webhooks/{id}", response.Headers.Location?.ToString());
        Assert.StartsWith("whsec_", created.GetProperty("secret").GetString());
        Assert.Equal(32, Convert.FromBase64String(created.GetProperty("secret").GetString()!["whsec_".Length..]).Length);

        var listed = (await app.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).EnumerateArray().Single(w => w.GetProperty("webhookId").GetString() == id);
        Assert.False(listed.TryGetProperty("secret", out _), "the secret is never shown again");
        Assert.False(listed.GetProperty("disabled").GetBoolean());
        Assert.Equal(["claim.paid"], listed.GetProperty("events").EnumerateArray().Select(e => e.GetString()));

        var given = "whsec_" + Convert.ToBase64String(new byte[24]);
        var own = await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/other", events = new[] { "sale.sold_out" }, secret = given });
        var ownId = (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("webhookId").GetString();

        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.Http.DeleteAsync($"/admin/webhooks/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Admin.Http.DeleteAsync($"/admin/webhooks/{ownId}")).StatusCode);
        await ProblemAssert.HasAsync(await app.Admin.Http.DeleteAsync($"/admin/webhooks/{id}"), HttpStatusCode.NotFound, "not_found");
        await ProblemAssert.HasAsync(await app.Admin.Http.GetAsync($"/admin/webhooks/{id}/deliveries"), HttpStatusCode.NotFound, "not_found");
        Assert.DoesNotContain((await app.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).EnumerateArray(), w => w.GetProperty("webhookId").GetString() == id);
    }

    [Fact]
    public async Task Bad_input_is_refused_and_creates_nothing()
    {
        var before = (await app.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).GetArrayLength();
        await ProblemAssert.InvalidAsync(await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "ftp://example.com/x", events = new[] { "claim.paid" } }), "url");
        await ProblemAssert.InvalidAsync(await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "not a url", events = new[] { "claim.paid" } }), "url");
        await ProblemAssert.InvalidAsync(await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/x", events = Array.Empty<string>() }), "events");
        await ProblemAssert.InvalidAsync(await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/x", events = new[] { "claim.bought" } }), "events");
        await ProblemAssert.InvalidAsync(await app.Admin.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/x", events = new[] { "claim.paid" }, secret = "hunter2" }), "secret");
        await ProblemAssert.HasAsync(await app.Storefront.PostJsonAsync("/admin/webhooks", new { url = "http://127.0.0.1:9/x", events = new[] { "claim.paid" } }),
            HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(before, (await app.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).GetArrayLength());
    }

    [Fact]
    public async Task Outside_development_an_internal_target_is_refused()
    {
        await using var production = await IsolatedService.StartAsync(environment: "Production");
        foreach (var url in (string[])["http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://10.1.2.3/hooks", "http://192.168.0.10/hooks",
                     "http://169.254.169.254/latest/meta-data", "http://[::1]/hooks", "http://[::ffff:127.0.0.1]/hooks"])
        {
            var refused = await ProblemAssert.InvalidAsync(await production.Admin.PostJsonAsync("/admin/webhooks", new { url, events = new[] { "claim.paid" } }), "url");
            Assert.Contains("loopback, private or link-local", refused.Errors!["url"][0]);
        }
        Assert.Equal(0, (await production.Admin.Http.GetFromJsonAsync<JsonElement>("/admin/webhooks")).GetArrayLength());
    }
}
