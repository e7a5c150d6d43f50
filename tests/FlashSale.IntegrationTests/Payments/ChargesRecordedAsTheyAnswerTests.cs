using Dapper;
using FlashSale.Core;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.Service.Payments;
using FlashSale.Service.Queue;
using FlashSale.Service.Sales;
using FlashSale.Service.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FlashSale.IntegrationTests.Payments;

/// <summary>
/// The worker records charges as they answer: a batch's claims are paid while one of its charges still waits
/// on the gateway, and that one is recorded when it answers (real PostgreSQL; the gateway is held by the test).
/// </summary>
[Collection(IsolatedHostsCollection.Name)]
public sealed class ChargesRecordedAsTheyAnswerTests
{
    private const int Claims = 20;

    [Fact]
    public async Task A_slow_charge_does_not_hold_back_the_other_claims_of_its_batch()
    {
        // Edge only: no worker of the host's own takes these claims.
        await using var app = await IsolatedService.StartAsync(new Dictionary<string, string?> { ["role"] = "edge" });
        var created = await app.Admin.CreateSaleAsync(stock: Claims);
        var sale = (await app.Get<SaleStore>().GetAsync(created.SaleId, CancellationToken.None))!;
        var messages = Enumerable.Range(0, Claims)
            .Select(i => new ClaimMessage(Ids.NewClaimId(), sale.SaleId, $"held-{i}", 1, "pm_card_visa", DateTimeOffset.UtcNow)).ToList();
        var rows = await app.Get<ClaimConfirmer>().ConfirmAsync(sale.SaleId, messages, CancellationToken.None);
        var slow = messages[7].ClaimId;
        var gateway = new HeldGateway(slow);
        using var settler = new PaymentSettler(gateway, app.Get<ClaimPaymentRecorder>(), app.Get<SaleChargeHolds>(),
            Options.Create(new PaymentOptions()), NullLogger<PaymentSettler>.Instance);

        var settling = settler.SettleAsync(rows.Values.ToList(), sale, CancellationToken.None);

        await Eventually.True(async () => await CountAsync(app, sale.SaleId, "paid") == Claims - 1, TimeSpan.FromSeconds(15),
            "every claim but the held one is paid");
        Assert.True(gateway.Held, "the slow charge is still waiting on the gateway");
        Assert.False(settling.IsCompleted);
        Assert.Equal(1, await CountAsync(app, sale.SaleId, "confirmed"));

        gateway.Release();
        var settled = await settling.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(messages.Select(m => m.ClaimId).Order(), settled.Order());
        Assert.Equal(Claims, await CountAsync(app, sale.SaleId, "paid"));
    }

    private static async Task<int> CountAsync(IsolatedService app, string saleId, string status)
    {
        await using var conn = await app.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM claims WHERE sale_id = @saleId AND status = @status", new { saleId, status });
    }

    /// <summary>Answers every charge at once, except one it holds until told.</summary>
    private sealed class HeldGateway(string heldClaimId) : IPaymentGateway
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Held => !_release.Task.IsCompleted;

        public void Release() => _release.TrySetResult();

        public async Task<ChargeResult> ChargeAsync(ChargeRequest request, CancellationToken ct)
        {
            if (request.ClaimId == heldClaimId) await _release.Task.WaitAsync(ct);
            return ChargeResult.Succeeded("pi_" + request.ClaimId);
        }

        public Task<ChargeResult> ResolveAsync(ChargeRequest request, bool mayReplay, CancellationToken ct) => ChargeAsync(request, ct);

        public Task<ChargeResult> CreateIntentAsync(ChargeRequest request, CancellationToken ct) => throw new NotSupportedException("immediate checkout only");

        public Task<ChargeResult> RefundAsync(RefundRequest request, CancellationToken ct) => throw new NotSupportedException("nothing is refunded here");
    }
}
