using FlashSale.Service.Hosting;

namespace FlashSale.Service.Reconciliation;

internal static class ReconciliationRegistration
{
    public static IServiceCollection AddFlashSaleReconciliation(this IServiceCollection services, Roles roles)
    {
        services.AddOptions<ReconcilerOptions>().BindConfiguration(ReconcilerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RepairLog>().AddSingleton<SaleReconciler>().AddSingleton<SaleReportBuilder>();
        if (roles.Worker) services.AddHostedService<Reconciler>();
        return services;
    }
}
