using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FlashSale.IntegrationTests.Infrastructure;
using FlashSale.IntegrationTests.Validation;

namespace FlashSale.IntegrationTests.WaitingRoom;

/// <summary>The sale option <c>waitingRoom</c> (CONTRACT.md, Admin): kept as given, defaults when left out, its outflow PATCHable.</summary>
[Collection(ServiceCollection.Name)]
public sealed class WaitingRoomOptionsTests(ServiceFixture app)
{
    [Fact]
    public async Task A_waiting_room_sale_keeps_its_options()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, outflowPerMinute: 1200, tokenSeconds: 30, prequeueMinutes: 15, preload: false);
        var room = (await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}")).GetProperty("waitingRoom");
        Assert.Equal((true, 15, 1200, 30), (room.GetProperty("enabled").GetBoolean(), room.GetProperty("prequeueMinutes").GetInt32(),
            room.GetProperty("outflowPerMinute").GetInt32(), room.GetProperty("tokenSeconds").GetInt32()));
    }

    [Fact]
    public async Task A_sale_without_one_has_it_off_with_the_contract_defaults_and_no_queue_counts()
    {
        var sale = await app.Admin.LiveSaleAsync(stock: 5);
        var read = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{sale.SaleId}");
        var room = read.GetProperty("waitingRoom");
        Assert.Equal((false, 10, 60000, 120), (room.GetProperty("enabled").GetBoolean(), room.GetProperty("prequeueMinutes").GetInt32(),
            room.GetProperty("outflowPerMinute").GetInt32(), room.GetProperty("tokenSeconds").GetInt32()));
        Assert.False(read.GetProperty("counts").TryGetProperty("queueWaiting", out _));
        // And it claims as in v1: no admission header needed.
        Assert.Equal(HttpStatusCode.Accepted, (await app.Storefront.ClaimAsync(sale.SaleId, "no-room-user")).StatusCode);
    }

    [Theory]
    [InlineData("""{"enabled":true,"prequeueMinutes":-1}""", "waitingRoom.prequeueMinutes")]
    [InlineData("""{"enabled":true,"prequeueMinutes":1441}""", "waitingRoom.prequeueMinutes")]
    [InlineData("""{"enabled":true,"outflowPerMinute":0}""", "waitingRoom.outflowPerMinute")]
    [InlineData("""{"enabled":true,"outflowPerMinute":10000001}""", "waitingRoom.outflowPerMinute")]
    [InlineData("""{"enabled":true,"tokenSeconds":9}""", "waitingRoom.tokenSeconds")]
    [InlineData("""{"enabled":true,"tokenSeconds":3601}""", "waitingRoom.tokenSeconds")]
    [InlineData("""{"enabled":"yes"}""", "waitingRoom")]
    [InlineData("""{"enabled":true,"seats":3}""", "waitingRoom")]
    [InlineData("\"on\"", "waitingRoom")]
    public async Task Bad_waiting_room_options_are_refused_and_no_sale_is_made(string room, string field)
    {
        var sku = Unique.Sku();
        var body = JsonSerializer.Serialize(FlashSaleClient.SaleBody(stock: 5, sku: sku), FlashSaleClient.Json).TrimEnd('}') + $",\"waitingRoom\":{room}}}";
        var response = await app.Admin.PostRawAsync("/admin/sales", body);
        await ProblemAssert.InvalidAsync(response, field);
        var sales = await app.Admin.Http.GetFromJsonAsync<JsonElement[]>("/admin/sales?limit=1000");
        Assert.DoesNotContain(sales!, s => s.GetProperty("sku").GetString() == sku);
    }

    [Fact]
    public async Task Its_outflow_is_patched_and_a_bad_patch_changes_nothing()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, outflowPerMinute: 600, preload: false);
        var patched = await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{saleId}", new { waitingRoom = new { outflowPerMinute = 900 } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(900, (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("waitingRoom").GetProperty("outflowPerMinute").GetInt32());
        // Live: the outflow reads the rate from the room in Redis on its next tick (tests/FlashSale.Tests QueueOutflowRateTests).
        Assert.Equal(900, (int)await app.Redis.HashGetAsync(new FlashSale.Service.Pool.SaleKeys(saleId).Room, "outflow"));

        foreach (var bad in new object[] { new { waitingRoom = new { outflowPerMinute = 0 } }, new { waitingRoom = new { } }, new { stock = 3 } })
            await ProblemAssert.InvalidAsync(await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{saleId}", bad));
        var read = await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}");
        Assert.Equal(900, read.GetProperty("waitingRoom").GetProperty("outflowPerMinute").GetInt32());
        Assert.Equal(5, read.GetProperty("stock").GetInt32());
    }

    [Fact]
    public async Task A_closed_sale_keeps_its_outflow()
    {
        var saleId = await QueueSteps.CreateAsync(app.Admin, stock: 5, outflowPerMinute: 600);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin.ActionAsync(saleId, "close")).StatusCode);
        var patched = await app.Admin.Http.PatchAsJsonAsync($"/admin/sales/{saleId}", new { waitingRoom = new { outflowPerMinute = 900 } });
        Assert.Equal(HttpStatusCode.Conflict, patched.StatusCode);
        Assert.Equal(600, (await app.Admin.Http.GetFromJsonAsync<JsonElement>($"/admin/sales/{saleId}")).GetProperty("waitingRoom").GetProperty("outflowPerMinute").GetInt32());
    }
}
