using System.Security.Cryptography;
using System.Text;

namespace FlashSale.Service.WaitingRoom;

/// <summary>
/// The contract's order rule: the pre-queue sorted by hex SHA-256(seed bytes ‖ UTF-8 ticketId), ascending. Lower-case
/// hex compares as the digest bytes do, so the bytes are compared (ordinal) and the hex never built.
/// </summary>
public static class FairOrder
{
    public static string[] Of(byte[] seed, IReadOnlyCollection<string> tickets)
    {
        var keyed = new (byte[] Digest, string Ticket)[tickets.Count];
        var buffer = new byte[seed.Length + 256];
        seed.CopyTo(buffer, 0);
        var i = 0;
        foreach (var ticket in tickets)
        {
            var length = Encoding.UTF8.GetBytes(ticket, 0, ticket.Length, buffer, seed.Length);
            keyed[i++] = (SHA256.HashData(buffer.AsSpan(0, seed.Length + length)), ticket);
        }
        Array.Sort(keyed, (a, b) => a.Digest.AsSpan().SequenceCompareTo(b.Digest));
        return keyed.Select(k => k.Ticket).ToArray();
    }
}
