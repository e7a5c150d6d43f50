using System.Text;
using BenchmarkDotNet.Attributes;
using FlashSale.Core;
using FlashSale.Service.Claims;
using FlashSale.Service.Http;
using Microsoft.AspNetCore.Http;

namespace FlashSale.Benchmarks;

/// <summary>What the admit endpoint does before Redis: read the body strictly, then validate it.</summary>
public class ClaimParsingBenchmarks
{
    private static readonly byte[] Valid = Encoding.UTF8.GetBytes("""{"userId":"u-123456","quantity":1,"paymentMethodId":"pm_card_visa"}""");
    private static readonly byte[] UnknownMember = Encoding.UTF8.GetBytes("""{"userId":"u-123456","quantity":1,"paymentMethodId":"pm_card_visa","coupon":"x"}""");

    [Benchmark(Baseline = true)]
    public async Task<ClaimRequest?> Parse_valid_body() => (await JsonBody.ReadAsync<ClaimRequest>(Request(Valid), default)).Value;

    [Benchmark]
    public bool Validate_claim() => ClaimRules.Validate("u-123456", 1, "pm_card_visa").IsEmpty;

    [Benchmark]
    public async Task<bool> Parse_and_validate()
    {
        var (body, _) = await JsonBody.ReadAsync<ClaimRequest>(Request(Valid), default);
        return ClaimRules.Validate(body!.UserId, body.Quantity, body.PaymentMethodId).IsEmpty;
    }

    /// <summary>A refused body goes through a JsonException: what a hostile crowd costs.</summary>
    [Benchmark]
    public async Task<IResult?> Parse_body_with_unknown_member() => (await JsonBody.ReadAsync<ClaimRequest>(Request(UnknownMember), default)).Problem;

    private static HttpRequest Request(byte[] body)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        return context.Request;
    }
}
