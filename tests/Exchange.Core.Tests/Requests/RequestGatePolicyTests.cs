using Exchange.Core.Load;
using Exchange.Core.Requests;

namespace Exchange.Core.Tests.Requests;

public sealed class RequestGatePolicyTests
{
    [Theory]
    [InlineData(GateState.Idle, RequestGateMode.Idle, true)]
    [InlineData(GateState.Busy, RequestGateMode.Idle, false)]
    [InlineData(GateState.Hibernating, RequestGateMode.Idle, false)]
    [InlineData(GateState.Closed, RequestGateMode.Idle, false)]
    [InlineData(GateState.Idle, RequestGateMode.NotHibernating, true)]
    [InlineData(GateState.Busy, RequestGateMode.NotHibernating, true)]
    [InlineData(GateState.Hibernating, RequestGateMode.NotHibernating, false)]
    [InlineData(GateState.Closed, RequestGateMode.NotHibernating, false)]
    public void Allows_LetsRequestsThroughABusyGateOnlyInTheLenientMode(GateState state, RequestGateMode mode, bool expected)
    {
        Assert.Equal(expected, RequestGatePolicy.Allows(new GateDecision(state, "test"), mode));
    }
}
