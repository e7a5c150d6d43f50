using CsvHelper;

namespace FlashSale.Load.Traffic;

/// <summary>
/// <c>--users-file users.csv</c>: the crowd's buyers from a data file (CsvHelper), one a row, a header naming the columns:
/// <c>userId</c> (required, distinct) and <c>paymentMethodId</c> (optional; empty or absent: the run's draw of cards).
/// Buyer N is row N; the crowd is as large as the file.
/// </summary>
public sealed class UserFeed
{
    private readonly List<(string UserId, string? Card)> _rows;

    private UserFeed(List<(string, string?)> rows) => _rows = rows;

    public int Count => _rows.Count;
    public string UserId(int n) => _rows[n].UserId;
    public string? PaymentMethod(int n) => _rows[n].Card;

    /// <exception cref="FormatException">The file is missing, has no userId column, an empty or repeated user id, or no row.</exception>
    public static UserFeed Load(string path)
    {
        if (!File.Exists(path)) throw new FormatException($"--users-file {path}: no such file.");
        var rows = new List<(string, string?)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var csv = CsvReader.FromFile(path, new CsvReaderOptions(), FileOptions.SequentialScan);
        csv.ReadHeader();
        var headers = csv.Headers.ToList();
        if (!headers.Contains("userId")) throw new FormatException($"--users-file {path}: its header has no userId column ({string.Join(",", headers)}).");
        var hasCard = headers.Contains("paymentMethodId");
        while (csv.Read())
        {
            var user = csv.GetString("userId").Trim();
            if (user.Length == 0) throw new FormatException($"--users-file {path}: row {csv.RowNumber} has an empty userId.");
            if (!seen.Add(user)) throw new FormatException($"--users-file {path}: user {user} appears twice; a sale allows one claim per user.");
            var card = hasCard ? csv.GetStringOrNull("paymentMethodId")?.Trim() : null;
            rows.Add((user, string.IsNullOrEmpty(card) ? null : card));
        }
        return rows.Count == 0 ? throw new FormatException($"--users-file {path}: no rows.") : new UserFeed(rows);
    }
}
