using FlashSale.Core;
using FlashSale.Service.Auth;
using FlashSale.Service.Http;
using FlashSale.Service.Sales;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlashSale.Service.Reconciliation;

public static class ReportEndpoints
{
    public static RouteHandlerBuilder MapReportEndpoint(this IEndpointRouteBuilder app) =>
        app.MapGet("/admin/sales/{saleId}/report", GetReportAsync).WithTags("Admin").RequireAuthorization(Policies.Admin);

    private static async Task<Results<Ok<SaleReport>, ProblemHttpResult>> GetReportAsync(
        string saleId, SaleStore store, SaleReportBuilder reports, CancellationToken ct)
    {
        if (!Ids.IsSaleId(saleId)) return Problems.SaleNotFound();
        var sale = await store.GetAsync(saleId, ct);
        return sale is null ? Problems.SaleNotFound() : TypedResults.Ok(await reports.BuildAsync(sale, ct));
    }
}
