using FlashSale.Service.AdminUi;
using FlashSale.Service.Claims;
using FlashSale.Service.Holds;
using FlashSale.Service.Hosting;
using FlashSale.Service.Ops;
using FlashSale.Service.Reconciliation;
using FlashSale.Service.Sales;
using FlashSale.Service.StripeWebhooks;
using FlashSale.Service.WaitingRoom;
using FlashSale.Service.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.AddFlashSale();

var app = builder.Build();
app.UseFlashSale();
if (app.Services.GetRequiredService<Roles>().Edge)
{
    app.MapAdminEndpoints();
    app.MapStorefrontEndpoints();
    app.MapHoldEndpoints();
    app.MapQueueEndpoints();
    app.MapFairnessEndpoints();
    app.MapWaitPage();
    app.MapStripeWebhookEndpoints();
    app.MapWebhookAdminEndpoints();
    app.MapReportEndpoint();
    app.MapAdminUi();
}
app.MapOpsEndpoints();

await app.PrepareStoresAsync();
await app.RunAsync();

public partial class Program;
