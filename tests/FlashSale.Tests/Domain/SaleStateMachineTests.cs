using FlashSale.Core;

namespace FlashSale.Tests.Domain;

/// <summary>The status a caller sees, and which admin action it allows.</summary>
public sealed class SaleStateMachineTests
{
    private static readonly DateTime Start = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime End = Start.AddHours(1);
    private static readonly DateTime Before = Start.AddTicks(-1);
    private static readonly DateTime Inside = Start.AddMinutes(30);
    private static readonly DateTime After = End.AddMinutes(1);

    public static TheoryData<string, string, string> EffectiveCases => new()
    {
        // stored, when, expected
        { SaleStatus.Scheduled, nameof(Before), SaleStatus.Scheduled },
        { SaleStatus.Scheduled, nameof(Inside), SaleStatus.Scheduled },
        { SaleStatus.Scheduled, nameof(After), SaleStatus.Ended },
        { SaleStatus.Preloaded, nameof(Before), SaleStatus.Preloaded },
        { SaleStatus.Preloaded, nameof(Inside), SaleStatus.Live },
        { SaleStatus.Preloaded, nameof(After), SaleStatus.Ended },
        { SaleStatus.Paused, nameof(Before), SaleStatus.Paused },
        { SaleStatus.Paused, nameof(Inside), SaleStatus.Paused },
        { SaleStatus.Paused, nameof(After), SaleStatus.Ended },
        { SaleStatus.Closed, nameof(Before), SaleStatus.Closed },
        { SaleStatus.Closed, nameof(Inside), SaleStatus.Closed },
        { SaleStatus.Closed, nameof(After), SaleStatus.Closed },
    };

    [Theory]
    [MemberData(nameof(EffectiveCases))]
    public void Effective_status_follows_the_stored_status_and_the_clock(string stored, string when, string expected)
    {
        Assert.Equal(expected, SaleStatus.Effective(stored, Start, End, At(when)));
    }

    [Fact]
    public void The_window_includes_its_start_and_excludes_its_end()
    {
        Assert.Equal(SaleStatus.Live, SaleStatus.Effective(SaleStatus.Preloaded, Start, End, Start));
        Assert.Equal(SaleStatus.Live, SaleStatus.Effective(SaleStatus.Preloaded, Start, End, End.AddTicks(-1)));
        Assert.Equal(SaleStatus.Ended, SaleStatus.Effective(SaleStatus.Preloaded, Start, End, End));
        Assert.Equal(SaleStatus.Ended, SaleStatus.Effective(SaleStatus.Paused, Start, End, End));
    }

    public static TheoryData<string, string, string?> TransitionCases => new()
    {
        // action, effective status, stored status after (null: refused)
        { SaleTransitions.Preload, SaleStatus.Scheduled, SaleStatus.Preloaded },
        { SaleTransitions.Preload, SaleStatus.Preloaded, SaleStatus.Preloaded },
        { SaleTransitions.Preload, SaleStatus.Live, SaleStatus.Preloaded },
        { SaleTransitions.Preload, SaleStatus.Paused, null },
        { SaleTransitions.Preload, SaleStatus.Ended, null },
        { SaleTransitions.Preload, SaleStatus.Closed, null },

        { SaleTransitions.Pause, SaleStatus.Scheduled, null },
        { SaleTransitions.Pause, SaleStatus.Preloaded, SaleStatus.Paused },
        { SaleTransitions.Pause, SaleStatus.Live, SaleStatus.Paused },
        { SaleTransitions.Pause, SaleStatus.Paused, SaleStatus.Paused },
        { SaleTransitions.Pause, SaleStatus.Ended, null },
        { SaleTransitions.Pause, SaleStatus.Closed, null },

        { SaleTransitions.Resume, SaleStatus.Scheduled, null },
        { SaleTransitions.Resume, SaleStatus.Preloaded, null },
        { SaleTransitions.Resume, SaleStatus.Live, null },
        { SaleTransitions.Resume, SaleStatus.Paused, SaleStatus.Preloaded },
        { SaleTransitions.Resume, SaleStatus.Ended, null },
        { SaleTransitions.Resume, SaleStatus.Closed, null },

        { SaleTransitions.Close, SaleStatus.Scheduled, SaleStatus.Closed },
        { SaleTransitions.Close, SaleStatus.Preloaded, SaleStatus.Closed },
        { SaleTransitions.Close, SaleStatus.Live, SaleStatus.Closed },
        { SaleTransitions.Close, SaleStatus.Paused, SaleStatus.Closed },
        { SaleTransitions.Close, SaleStatus.Ended, SaleStatus.Closed },
        { SaleTransitions.Close, SaleStatus.Closed, SaleStatus.Closed },

        { "delete", SaleStatus.Live, null },
    };

    [Theory]
    [MemberData(nameof(TransitionCases))]
    public void Apply_allows_exactly_the_contracts_transitions(string action, string effective, string? expected)
    {
        Assert.Equal(expected, SaleTransitions.Apply(action, effective));
    }

    public static TheoryData<string> Actions => [SaleTransitions.Preload, SaleTransitions.Pause, SaleTransitions.Resume, SaleTransitions.Close];

    // The database update is a compare-and-set on the stored status: it must not refuse what Apply allowed.
    [Theory]
    [MemberData(nameof(Actions))]
    public void Every_allowed_transition_passes_the_stored_status_guard(string action)
    {
        foreach (var stored in new[] { SaleStatus.Scheduled, SaleStatus.Preloaded, SaleStatus.Paused, SaleStatus.Closed })
        foreach (var when in new[] { nameof(Before), nameof(Inside), nameof(After) })
        {
            if (SaleTransitions.Apply(action, SaleStatus.Effective(stored, Start, End, At(when))) is null) continue;
            Assert.Contains(stored, SaleTransitions.AllowedFromStored(action));
        }
    }

    [Fact]
    public void An_unknown_action_is_allowed_from_no_stored_status()
    {
        Assert.Empty(SaleTransitions.AllowedFromStored("delete"));
    }

    private static DateTime At(string when) => when switch
    {
        nameof(Before) => Before,
        nameof(Inside) => Inside,
        nameof(After) => After,
        _ => throw new ArgumentOutOfRangeException(nameof(when)),
    };
}
