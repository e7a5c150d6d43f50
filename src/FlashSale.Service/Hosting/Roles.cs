namespace FlashSale.Service.Hosting;

/// <summary>Which parts of the service this process runs (<c>--role edge|worker|all</c>).</summary>
public sealed record Roles(bool Edge, bool Worker)
{
    public static Roles From(IConfiguration configuration)
    {
        var role = configuration["role"] ?? configuration["FlashSale:Role"] ?? "all";
        return role.ToLowerInvariant() switch
        {
            "all" => new Roles(true, true),
            "edge" => new Roles(true, false),
            "worker" => new Roles(false, true),
            _ => throw new InvalidOperationException($"Unknown role '{role}': use edge, worker or all."),
        };
    }
}
