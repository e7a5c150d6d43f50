using Microsoft.Extensions.Options;
using Npgsql;

namespace FlashSale.Service.Storage;

internal static class StorageRegistration
{
    public static IServiceCollection AddFlashSaleStorage(this IServiceCollection services)
    {
        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString)
            .UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>())
            .Build());
        services.AddSingleton<SchemaMigrator>();
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        return services;
    }

    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
    }
}
