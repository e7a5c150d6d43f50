using FlashSale.Service.Hosting;

namespace FlashSale.Service.Worker;

internal static class WorkerRegistration
{
    public static IServiceCollection AddFlashSaleWorker(this IServiceCollection services, Roles roles)
    {
        services.AddSingleton<ClaimConfirmer>().AddSingleton<PaymentAttempts>().AddSingleton<PaymentSettler>().AddSingleton<ClaimBatchProcessor>();
        services.AddSingleton<ClaimPaymentRecorder>().AddSingleton<PendingPaymentSettler>();
        if (roles.Worker)
        {
            services.AddHostedService<ClaimWorker>();
            services.AddHostedService(sp => sp.GetRequiredService<PendingPaymentSettler>());
            services.AddHostedService<OwedRefundSettler>();
        }
        return services;
    }
}
