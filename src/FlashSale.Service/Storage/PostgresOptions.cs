using System.ComponentModel.DataAnnotations;

namespace FlashSale.Service.Storage;

public sealed class PostgresOptions
{
    public const string Section = "FlashSale:Postgres";

    [Required]
    public string ConnectionString { get; set; } =
        "Host=127.0.0.1;Port=5440;Username=flashsale;Password=flashsale;Database=flashsale";
}
