using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FlashSale.Service.Http;

/// <summary>
/// Reads a request body strictly: JSON content type, at most 16 KiB, no unknown or duplicate members,
/// no numbers in strings. Every refusal is a problem result, never an exception escaping to the client.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 16 * 1024;

    public static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = false,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    // A value task: a small body has usually arrived with the headers, and then nothing here allocates a task.
    public static async ValueTask<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        if (request.ContentLength > MaxBytes) return (null, Problems.PayloadTooLarge(MaxBytes));
        if (!IsJson(request)) return (null, Problems.Invalid("body", "The body must be JSON with Content-Type: application/json."));

        // A pooled buffer sized from Content-Length: a claim body is ~100 bytes, and allocating a fresh 4 KiB
        // chunk plus a copy per request was most of the endpoint's garbage (tests/FlashSale.Benchmarks).
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and <= MaxBytes ? (int)request.ContentLength.Value + 1 : 4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length) buffer = Grow(buffer);
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0) break;
                length += read;
                if (length > MaxBytes) return (null, Problems.PayloadTooLarge(MaxBytes));
            }
            return Deserialize<T>(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The two spellings clients send, compared without parsing; anything else goes through the media type parser.
    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("application/json; charset=utf-8", StringComparison.OrdinalIgnoreCase))
        || request.HasJsonContentType();

    private static (T? Value, IResult? Problem) Deserialize<T>(ReadOnlySpan<byte> body) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(body, Strict);
            return value is null ? (null, Problems.Invalid("body", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Invalid(FieldOf(e.Path), Describe(e)));
        }
    }

    private static byte[] Grow(byte[] buffer)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBytes + 1));
        buffer.CopyTo(bigger, 0);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.').Split('.', '[')[0] switch
        {
            "" => "body",
            var name => name,
        };

    // The serializer's messages name .NET types; callers want the JSON rule they broke.
    private static string Describe(JsonException e) => e.Message switch
    {
        var m when m.Contains("could not be mapped", StringComparison.Ordinal) => "Unknown member: this endpoint does not accept it.",
        var m when m.Contains("Duplicate", StringComparison.OrdinalIgnoreCase) => "The member appears more than once.",
        var m when m.Contains("could not be converted", StringComparison.Ordinal) => "The value has the wrong type or is out of range.",
        _ => "The body is not valid JSON.",
    };
}
