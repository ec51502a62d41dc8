using Exchange.Core.Load;

namespace Exchange.Core.Requests;

/// <summary>
/// Whether the request worker may read a source given the load gate's decision. Requests are small, targeted reads an
/// insurer waits for, so operators may let them through a <c>Busy</c> gate (<see cref="RequestGateMode.NotHibernating"/>);
/// a hibernating or closed gate always stops them.
/// </summary>
public static class RequestGatePolicy
{
    /// <summary>True when requests may read the source now.</summary>
    public static bool Allows(GateDecision decision, RequestGateMode mode)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return mode switch
        {
            RequestGateMode.NotHibernating => decision.State is GateState.Idle or GateState.Busy,
            _ => decision.IsOpen,
        };
    }
}
