using System.Text.Json;

namespace FlashSale.Load.Api;

/// <summary>Picks <c>claimId</c> and <c>code</c> out of a claim answer without building a document per request.</summary>
public static class AnswerReader
{
    public static (string? ClaimId, string? Code) Read(ReadOnlySpan<byte> json)
    {
        string? claimId = null, code = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (null, null);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isClaim = reader.ValueTextEquals("claimId"u8);
                var isCode = reader.ValueTextEquals("code"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (isClaim) claimId = reader.GetString();
                    else if (isCode) code = reader.GetString();
                }
                else reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's HTML error page): the HTTP status alone classifies it.
        }
        return (claimId, code);
    }
}
