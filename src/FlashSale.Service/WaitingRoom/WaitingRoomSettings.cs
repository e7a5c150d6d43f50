using FlashSale.Core;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// A sale's <c>waitingRoom</c> member as merchants send it (everything nullable: a member left out takes its
/// default) and as the admin API shows it (every member set).
/// </summary>
public sealed record WaitingRoomSettings(bool? Enabled = null, int? PrequeueMinutes = null, int? OutflowPerMinute = null, int? TokenSeconds = null)
{
    public static readonly WaitingRoomSettings Off = new(false, SaleRules.DefaultPrequeueMinutes, SaleRules.DefaultOutflowPerMinute, SaleRules.DefaultTokenSeconds);

    public WaitingRoomSettings WithDefaults() => new(
        Enabled ?? false, PrequeueMinutes ?? SaleRules.DefaultPrequeueMinutes,
        OutflowPerMinute ?? SaleRules.DefaultOutflowPerMinute, TokenSeconds ?? SaleRules.DefaultTokenSeconds);

    public void Validate(ValidationErrors errors) => SaleRules.ValidateWaitingRoom(PrequeueMinutes, OutflowPerMinute, TokenSeconds, errors);
}

/// <summary>The body of <c>PATCH /admin/sales/{saleId}</c>: what may change on a sale that is not closed.</summary>
public sealed record PatchSaleRequest(WaitingRoomPatch? WaitingRoom, DateTimeOffset? EndsAt);

public sealed record WaitingRoomPatch(int? OutflowPerMinute);
