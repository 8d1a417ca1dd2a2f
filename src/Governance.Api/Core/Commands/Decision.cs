using Governance.Api.Core.Errors;

namespace Governance.Api.Core.Commands;

/// <summary>What a decider decided: events to append, or why not.</summary>
public readonly record struct Decision
{
    private Decision(IReadOnlyList<object> events, DomainError? error)
    {
        Events = events;
        Error = error;
    }

    /// <summary>The events to append when accepted.</summary>
    public IReadOnlyList<object> Events { get; }

    /// <summary>The refusal, when refused.</summary>
    public DomainError? Error { get; }

    /// <summary>Whether the command was accepted.</summary>
    public bool Accepted => Error is null;

    /// <summary>Accepts with these events.</summary>
    public static Decision Accept(params object[] events) => new(events, null);

    /// <summary>Accepts without events: the command asks for what is already so.</summary>
    public static Decision Unchanged { get; } = new([], null);

    /// <summary>Refuses.</summary>
    public static Decision Reject(DomainError error) => new([], error);

    public static implicit operator Decision(DomainError error) => Reject(error);
}
