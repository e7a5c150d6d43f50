using FlashSale.Service.Payments;
using Microsoft.Extensions.Options;

namespace FlashSale.Service.Worker;

/// <summary>
/// Retries the refunds that did not go through when they became owed (the gateway was down, the process died):
/// every <c>Pending:Interval</c>, on every worker, for refunds owed longer than <c>Pending:RecheckAfter</c>. Two
/// workers refunding the same claim send the same refund key, which the gateway runs once.
/// </summary>
public sealed class OwedRefundSettler(OwedRefunds refunds, IOptions<PaymentOptions> options, TimeProvider clock, ILogger<OwedRefundSettler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Pending.Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await refunds.SettleAsync(null, stoppingToken, olderThan: options.Value.Pending.RecheckAfter);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Settling owed refunds failed; trying again in {Interval}", interval);
            }
            await Task.Delay(interval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
