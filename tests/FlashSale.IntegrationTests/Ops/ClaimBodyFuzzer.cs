using System.Text;

namespace FlashSale.IntegrationTests.Ops;

/// <summary>Seeded random and mutated claim bodies: valid ones, near misses, wrong types, garbage.</summary>
internal sealed class ClaimBodyFuzzer(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] Cards = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_mastercard", "", "pm card", "pm_\u0000", "pm_card_visa\n"];
    private static readonly string[] Users = ["u-1", "u.2", "user:3@shop", "", " ", "u/4", "u\u00e9", "u\n", "<script>", "'; DROP TABLE claims;--"];
    private static readonly string[] Values =
        ["1", "0", "-1", "2", "101", "1.5", "1e3", "2147483648", "-9223372036854775809", "\"1\"", "null", "true", "[]", "{}", "\"\"", "NaN"];

    public (string Body, string ContentType) Next()
    {
        var kind = _random.Next(10);
        var contentType = _random.Next(20) == 0 ? Pick(["text/plain", "application/xml", "application/json; charset=utf-16", ""]) : "application/json";
        var body = kind switch
        {
            0 => RandomBytes(),
            1 => Truncate(Valid()),
            2 => Valid().Replace("\"quantity\"", _random.Next(2) == 0 ? "\"quantity\",\"quantity\"" : "\"qty\""),
            3 => "{" + $"\"userId\":{Json(Pick(Users))},\"quantity\":{Pick(Values)},\"paymentMethodId\":{Json(Pick(Cards))}" + "}",
            4 => "{" + $"\"userId\":{Pick(Values)},\"quantity\":1,\"paymentMethodId\":{Pick(Values)}" + "}",
            5 => Valid().Insert(1, $"\"{Word()}\":{Pick(Values)},"),
            6 => "{\"userId\":\"" + new string('u', _random.Next(100, 20_000)) + "\",\"quantity\":1,\"paymentMethodId\":\"pm_card_visa\"}",
            7 => Pick(["", "null", "[]", "\"claim\"", "42", "{", "}", "{}", "[{\"userId\":\"u-1\"}]", new string('[', 5000)]),
            8 => Flip(Valid()),
            _ => Valid(),
        };
        return (body, contentType);
    }

    private string Valid() =>
        "{" + $"\"userId\":\"fuzz-{_random.Next(500)}\",\"quantity\":{_random.Next(1, 3)},\"paymentMethodId\":{Json(Pick(Cards[..3]))}" + "}";

    private string Truncate(string s) => s[.._random.Next(s.Length)];

    private string Flip(string s)
    {
        var chars = s.ToCharArray();
        for (var i = 0; i < 1 + _random.Next(3); i++) chars[_random.Next(chars.Length)] = (char)_random.Next(0, 0x3000);
        return new string(chars);
    }

    private string RandomBytes()
    {
        var bytes = new byte[_random.Next(1, 200)];
        _random.NextBytes(bytes);
        return Encoding.Latin1.GetString(bytes);
    }

    private string Word() => new(Enumerable.Range(0, _random.Next(1, 12)).Select(_ => (char)_random.Next('a', 'z' + 1)).ToArray());

    private T Pick<T>(T[] items) => items[_random.Next(items.Length)];

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
