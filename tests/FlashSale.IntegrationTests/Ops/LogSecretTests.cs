using System.Net;
using System.Net.Http.Headers;
using FlashSale.IntegrationTests.Infrastructure;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>A whole sale's logs, every level, hold no key, payment method id or buyer id.</summary>
public sealed class LogSecretTests
{
    [Fact]
    public async Task The_logs_of_a_full_sale_contain_no_keys_payment_methods_or_user_ids()
    {
        var logs = new CapturingLoggerProvider();
        await using (var host = CustomHost.Start(new Dictionary<string, string?>(), logs))
        {
            var sale = await host.Admin.LiveSaleAsync(stock: 3);
            Assert.Equal(HttpStatusCode.Accepted, (await host.Storefront.ClaimAsync(sale.SaleId, "secret-buyer-1", "pm_card_visa")).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await host.Storefront.ClaimAsync(sale.SaleId, "secret-buyer-2", "pm_card_chargeDeclined")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.Storefront.ClaimAsync(sale.SaleId, "secret-buyer-1", "pm_card_visa")).StatusCode);
            await host.Storefront.PostRawAsync($"/sales/{sale.SaleId}/claims", "{\"userId\":\"secret-buyer-3\",\"paymentMethodId\":\"pm_card_mastercard\",");

            // A caller presenting a wrong key, and one presenting the other role's key.
            var wrong = new HttpRequestMessage(HttpMethod.Get, "/admin/sales") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "wrong-key-that-is-secret-too") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await host.Admin.Http.SendAsync(wrong)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await host.Storefront.Http.GetAsync("/admin/sales")).StatusCode);

            await Eventually.True(async () => (await host.Admin.GetSaleAsync(sale.SaleId)).Counts is { Paid: 1, PaymentFailed: 1 },
                TimeSpan.FromSeconds(30), "the sale settles");
        }

        Assert.NotEmpty(logs.Lines);
        string[] secrets = [ServiceFixture.AdminKey, ServiceFixture.StorefrontKey, "wrong-key-that-is-secret-too",
            "pm_card_", "secret-buyer", "Password=flashsale"];
        foreach (var line in logs.Lines)
            foreach (var secret in secrets)
                Assert.False(line.Contains(secret, StringComparison.OrdinalIgnoreCase), $"log line leaks '{secret}': {line}");
    }
}
