using FlashSale.Core;
using FlashSale.Service.Hosting;
using FlashSale.Service.WaitingRoom;
using Microsoft.Extensions.Options;

namespace FlashSale.Tests.WaitingRoom;

/// <summary>
/// <c>pollAfterSeconds</c> (WaitingRoom/TicketResponse.cs): a pre-queue ticket, for which nothing changes before the
/// start, polls rarely and comes back soon after the start, the pre-queue spread over a few seconds; a ticket in line
/// polls as often as its wait calls for.
/// </summary>
public sealed class PollPacingTests
{
    private const long Now = 1_800_000_000_000;
    private static readonly AdmissionTokens Tokens = new(Options.Create(new WaitingRoomOptions()),
        Options.Create(new FlashSaleOptions { AdminKey = "admin-key-0123456789" }));

    private static int PollAfter(string status, long? position, long? ahead, long startsAtMs, string? ticketId = null) =>
        TicketResponse.From("sale_1", ticketId ?? Ids.NewTicketId(), new TicketState(status, position, ahead, 0, 60, "u-1", false, 10, startsAtMs),
            Tokens, Now).PollAfterSeconds;

    [Fact]
    public void A_pre_queue_ticket_polls_a_tenth_of_the_time_left_within_5_to_30_seconds_and_never_long_past_the_start()
    {
        Assert.All(Enumerable.Range(0, 200).Select(_ => PollAfter("waiting", null, null, Now + 3_600_000)), p => Assert.InRange(p, 30, 34));
        Assert.All(Enumerable.Range(0, 200).Select(_ => PollAfter("waiting", null, null, Now + 100_000)), p => Assert.InRange(p, 10, 14));
        Assert.All(Enumerable.Range(0, 200).Select(_ => PollAfter("waiting", null, null, Now + 3_000)), p => Assert.InRange(p, 4, 8));
        Assert.All(Enumerable.Range(0, 200).Select(_ => PollAfter("waiting", null, null, Now + 400)), p => Assert.InRange(p, 1, 5));
    }

    [Fact]
    public void The_pre_queue_is_spread_over_five_seconds_the_same_on_every_edge()
    {
        var spread = Enumerable.Range(0, 500).Select(_ => PollAfter("waiting", null, null, Now + 3_600_000)).Distinct().Order().ToArray();
        Assert.Equal([30, 31, 32, 33, 34], spread);
        var ticket = Ids.NewTicketId();
        Assert.Equal(PollAfter("waiting", null, null, Now + 3_600_000, ticket), PollAfter("waiting", null, null, Now + 3_600_000, ticket));
    }

    [Fact]
    public void In_line_the_pace_follows_the_wait()
    {
        // 60 a minute: 299 ahead is a 300 s wait, polled every 30 s; 4 ahead, every second.
        Assert.Equal(30, PollAfter("waiting", 300, 299, Now - 1_000));
        Assert.Equal(1, PollAfter("waiting", 5, 4, Now - 1_000));
        Assert.Equal(5, PollAfter("admitted", 1, 0, Now - 1_000));
    }
}
