using FlashSale.Service.Hosting;
using FlashSale.Service.WaitingRoom;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.WaitingRoom;

/// <summary>Admission tokens (WaitingRoom/AdmissionTokens.cs): bound to sale and user, signed, and rotated by key id.</summary>
public sealed class AdmissionTokenKeyTests
{
    private static readonly string Old = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
    private static readonly string New = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());

    private static AdmissionTokens With(string signWith, params (string Id, string Key)[] keys) => new(
        Options.Create(new WaitingRoomOptions { TokenKeys = keys.ToDictionary(k => k.Id, k => k.Key), SigningKeyId = signWith }),
        Options.Create(new FlashSaleOptions { AdminKey = "admin-key-0123456789" }));

    [Fact]
    public void A_token_names_its_ticket_and_expiry_only_for_its_sale_and_user()
    {
        var tokens = With("k1", ("k1", Old));
        var token = tokens.Issue("sale_a", "tkt_1", 1_800_000_000_000, "alice");
        Assert.StartsWith("k1.", token);
        Assert.Equal("tkt_1|1800000000000", tokens.Check(token, "sale_a", "alice"));
        Assert.Equal(AdmissionTokens.Invalid, tokens.Check(token, "sale_b", "alice"));
        Assert.Equal(AdmissionTokens.Invalid, tokens.Check(token, "sale_a", "bob"));
        Assert.Equal(AdmissionTokens.None, tokens.Check(null, "sale_a", "alice"));
        Assert.Equal(AdmissionTokens.Invalid, tokens.Check(token.Replace("k1.", "k9."), "sale_a", "alice"));
        Assert.Equal(AdmissionTokens.Invalid, tokens.Check(token[..^2] + (token[^2] == 'A' ? "BA" : "AA"), "sale_a", "alice"));
    }

    [Fact]
    public void A_new_signing_key_keeps_the_old_keys_tokens_good_until_the_old_key_goes()
    {
        var before = With("k1", ("k1", Old)).Issue("sale_a", "tkt_1", 1_800_000_000_000, "alice");
        var rotating = With("k2", ("k1", Old), ("k2", New));
        Assert.Equal("tkt_1|1800000000000", rotating.Check(before, "sale_a", "alice"));
        Assert.StartsWith("k2.", rotating.Issue("sale_a", "tkt_1", 1_800_000_000_000, "alice"));
        Assert.Equal(AdmissionTokens.Invalid, With("k2", ("k2", New)).Check(before, "sale_a", "alice"));
    }

    [Fact]
    public void Keys_too_short_or_a_missing_signing_key_are_refused_at_start()
    {
        Assert.NotEmpty(AdmissionTokens.Problems(new WaitingRoomOptions { TokenKeys = { ["k1"] = Convert.ToBase64String(new byte[16]) } }));
        Assert.NotEmpty(AdmissionTokens.Problems(new WaitingRoomOptions { TokenKeys = { ["k1"] = Old, ["k2"] = New } }));
        Assert.NotEmpty(AdmissionTokens.Problems(new WaitingRoomOptions { TokenKeys = { ["k1"] = Old }, SigningKeyId = "k3" }));
        Assert.Empty(AdmissionTokens.Problems(new WaitingRoomOptions { TokenKeys = { ["k1"] = Old, ["k2"] = New }, SigningKeyId = "k2" }));
        Assert.Empty(AdmissionTokens.Problems(new WaitingRoomOptions()));
    }
}
