using System.Text.Json.Serialization;
using FlashSale.Service.Auth;
using FlashSale.Service.Claims;
using FlashSale.Service.Holds;
using FlashSale.Service.Http;
using FlashSale.Service.Limits;
using FlashSale.Service.Ops;
using FlashSale.Service.Orders;
using FlashSale.Service.Payments;
using FlashSale.Service.Pool;
using FlashSale.Service.Queue;
using FlashSale.Service.Reconciliation;
using FlashSale.Service.Redis;
using FlashSale.Service.Sales;
using FlashSale.Service.Storage;
using FlashSale.Service.StripeWebhooks;
using FlashSale.Service.WaitingRoom;
using FlashSale.Service.Webhooks;
using FlashSale.Service.Worker;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FlashSale.Service.Hosting;

public static class FlashSaleRegistration
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>Options, Redis, PostgreSQL, queue, payments, metrics; and the roles this process runs.</summary>
    public static WebApplicationBuilder AddFlashSale(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
            builder.WebHost.UseUrls(DefaultUrl);

        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per line for the log pipeline; scopes carry the correlation and claim ids.
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => { o.IncludeScopes = true; o.UseUtcTimestamp = true; o.TimestampFormat = "O"; });
        }

        var roles = Roles.From(builder.Configuration);
        var services = builder.Services;
        services.AddSingleton(roles);
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<FlashSaleOptions>().BindConfiguration(FlashSaleOptions.Section).ValidateOnStart();
        services.AddSingleton<FlashSaleOptionsSetup>();
        services.AddSingleton<IPostConfigureOptions<FlashSaleOptions>>(sp => sp.GetRequiredService<FlashSaleOptionsSetup>());
        services.AddSingleton<IValidateOptions<FlashSaleOptions>>(sp => sp.GetRequiredService<FlashSaleOptionsSetup>());

        // Each capability registers itself; the hosted services of a role start in this order.
        services.AddFlashSaleRedis().AddFlashSalePool().AddFlashSaleStorage().AddFlashSalePayments().AddFlashSaleAuth();
        services.AddFlashSaleQueue(builder.Configuration, roles);
        services.AddFlashSaleSales(roles).AddFlashSaleClaims().AddFlashSaleHolds(roles).AddFlashSaleStripeWebhooks().AddFlashSaleWebhooks(roles);
        services.AddFlashSaleWaitingRoom(roles);
        services.AddFlashSaleWorker(roles).AddFlashSaleReconciliation(roles).AddFlashSaleOrderEvents(roles);

        services.AddFlashSaleHttp().AddFlashSaleOps();
        return builder;
    }

    public static WebApplication UseFlashSale(this WebApplication app)
    {
        foreach (var (_, use) in RequestPipeline.Middlewares) use(app);
        return app;
    }

    /// <summary>The schema is applied and the Lua scripts are loaded before the first request is served.</summary>
    public static async Task PrepareStoresAsync(this WebApplication app)
    {
        await app.MigrateDatabaseAsync();
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        var scripts = app.Services.GetRequiredService<RedisScripts>();
        var verifier = app.Services.GetRequiredService<PoolVerifier>();
        await scripts.LoadAllButAdmitAsync(redis);
        await verifier.VerifyMissingAsync(CancellationToken.None);
        // After a Redis restart or a failover the script cache is empty: the other scripts are loaded again at once,
        // the admit script once the pools there are checked.
        redis.ConnectionRestored += (_, _) => _ = Task.Run(async () =>
        {
            await scripts.LoadAllButAdmitAsync(redis);
            await verifier.VerifyMissingAsync(CancellationToken.None);
        }).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }
}
