using Exchange.Host.Service;

namespace Exchange.IntegrationTests.Service;

/// <summary>The Windows SCM status reports as pure functions (the P/Invoke around them can only run on Windows).</summary>
public sealed class ServiceStateMachineTests
{
    [Fact]
    public void Start_IsPendingWithAWaitHint_ThenRunningAcceptsStopAndShutdown()
    {
        var starting = ServiceStateMachine.Starting(1);
        Assert.Equal((ScmState.StartPending, ScmAccepts.None, 1u, 60_000u), (starting.State, starting.Accepts, starting.CheckPoint, starting.WaitHintMilliseconds));
        Assert.Equal(2u, ServiceStateMachine.NextCheckPoint(starting));

        var running = ServiceStateMachine.Running();
        Assert.Equal((ScmState.Running, ScmAccepts.Stop | ScmAccepts.Shutdown, 0u, 0u), (running.State, running.Accepts, running.CheckPoint, running.WaitHintMilliseconds));
        Assert.Equal(0u, ServiceStateMachine.NextCheckPoint(running));
    }

    [Fact]
    public void Stopping_WaitHintCoversTheShutdownTimeoutPlusAMargin()
    {
        var stopping = ServiceStateMachine.Stopping(1, TimeSpan.FromSeconds(30));
        Assert.Equal((ScmState.StopPending, ScmAccepts.None, 40_000u), (stopping.State, stopping.Accepts, stopping.WaitHintMilliseconds));
    }

    [Theory]
    [InlineData(0, 0u, 0u)]
    [InlineData(2, 1066u, 2u)]
    [InlineData(3, 1066u, 3u)]
    public void Stopped_CarriesTheExitCode_AsAServiceSpecificErrorSoRecoveryApplies(int exitCode, uint win32, uint specific)
    {
        var stopped = ServiceStateMachine.Stopped(exitCode);
        Assert.Equal((ScmState.Stopped, win32, specific), (stopped.State, stopped.Win32ExitCode, stopped.ServiceExitCode));
    }

    [Theory]
    [InlineData("Running", ServiceStateMachine.Control_Stop, "BeginStop")]
    [InlineData("Running", ServiceStateMachine.Control_Shutdown, "BeginStop")]
    [InlineData("StartPending", ServiceStateMachine.Control_Stop, "BeginStop")]
    [InlineData("StopPending", ServiceStateMachine.Control_Stop, "Report")]
    [InlineData("Running", ServiceStateMachine.Control_Interrogate, "Report")]
    [InlineData("Running", 0x2u, "NotImplemented")] // PAUSE is not accepted
    public void OnControl_StopsOnce_ReportsOnInterrogate_RefusesTheRest(string state, uint control, string expected) =>
        Assert.Equal(Enum.Parse<ScmControlAction>(expected), ServiceStateMachine.OnControl(Enum.Parse<ScmState>(state), control));
}
