using Dapper;
using Npgsql;

namespace FlashSale.Service.Storage;

/// <summary>Applies the embedded <c>migrations/NNN_name.sql</c> files in order, each once, under an advisory lock.</summary>
public sealed class SchemaMigrator(NpgsqlDataSource db, ILogger<SchemaMigrator> logger)
{
    // Any constant shared by every instance: processes starting together take turns migrating.
    private const long MigrationLockId = 0x466C61736853616C;

    public async Task MigrateAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@id)", new { id = MigrationLockId }, cancellationToken: ct));
        try
        {
            await conn.ExecuteAsync(new CommandDefinition("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken: ct));
            var applied = (await conn.QueryAsync<string>(new CommandDefinition("SELECT version FROM schema_migrations", cancellationToken: ct))).ToHashSet();
            foreach (var (version, sql) in Migrations().Where(m => !applied.Contains(m.Version)))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(sql, transaction: tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version}", version);
            }
        }
        finally
        {
            await conn.ExecuteAsync("SELECT pg_advisory_unlock(@id)", new { id = MigrationLockId });
        }
    }

    private static IEnumerable<(string Version, string Sql)> Migrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("migrations/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            yield return (Path.GetFileNameWithoutExtension(name), reader.ReadToEnd());
        }
    }
}
