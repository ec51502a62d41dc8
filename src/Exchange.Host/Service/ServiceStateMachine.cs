namespace Exchange.Host.Service;

/// <summary>The states the Windows service control manager knows (<c>SERVICE_STATUS.dwCurrentState</c>).</summary>
internal enum ScmState : uint
{
    Stopped = 1,
    StartPending = 2,
    StopPending = 3,
    Running = 4,
}

/// <summary>Controls the service accepts (<c>SERVICE_ACCEPT_*</c>).</summary>
[Flags]
internal enum ScmAccepts : uint
{
    None = 0,
    Stop = 0x1,
    Shutdown = 0x4,
}

/// <summary>What the control handler does with a control code.</summary>
internal enum ScmControlAction
{
    /// <summary>Begin stopping: report StopPending and cancel the daemon.</summary>
    BeginStop,

    /// <summary>Report the current status again (INTERROGATE, or a repeated stop while already stopping).</summary>
    Report,

    /// <summary>Answer ERROR_CALL_NOT_IMPLEMENTED.</summary>
    NotImplemented,
}

/// <summary>One <c>SERVICE_STATUS</c> to report.</summary>
internal readonly record struct ScmStatus(ScmState State, ScmAccepts Accepts, uint Win32ExitCode, uint ServiceExitCode, uint CheckPoint, uint WaitHintMilliseconds);

/// <summary>
/// The service's status reports as pure functions: pending states carry a growing check point and a wait hint (how long
/// the SCM should wait before it gives up), a failed stop carries ERROR_SERVICE_SPECIFIC_ERROR with the daemon's exit code so
/// the recovery actions (<c>sc.exe failure</c>) apply.
/// </summary>
internal static class ServiceStateMachine
{
    public const uint Control_Stop = 0x1;
    public const uint Control_Interrogate = 0x4;
    public const uint Control_Shutdown = 0x5;
    public const uint ErrorServiceSpecificError = 1066;

    /// <summary>Time the start may take: staging migration and both endpoints.</summary>
    public static readonly TimeSpan StartWaitHint = TimeSpan.FromSeconds(60);

    /// <summary>Added to the shutdown timeout for the process to exit after the host stopped.</summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(10);

    public static ScmStatus Starting(uint checkPoint) =>
        new(ScmState.StartPending, ScmAccepts.None, 0, 0, checkPoint, Milliseconds(StartWaitHint));

    public static ScmStatus Running() =>
        new(ScmState.Running, ScmAccepts.Stop | ScmAccepts.Shutdown, 0, 0, 0, 0);

    public static ScmStatus Stopping(uint checkPoint, TimeSpan shutdownTimeout) =>
        new(ScmState.StopPending, ScmAccepts.None, 0, 0, checkPoint, Milliseconds(shutdownTimeout + StopMargin));

    /// <summary>The final report: exit code 0 is a clean stop; anything else is a service-specific error the SCM's recovery acts on.</summary>
    public static ScmStatus Stopped(int exitCode) => exitCode == 0
        ? new(ScmState.Stopped, ScmAccepts.None, 0, 0, 0, 0)
        : new(ScmState.Stopped, ScmAccepts.None, ErrorServiceSpecificError, unchecked((uint)exitCode), 0, 0);

    /// <summary>What to do with <paramref name="control"/> in <paramref name="current"/>.</summary>
    public static ScmControlAction OnControl(ScmState current, uint control) => control switch
    {
        Control_Stop or Control_Shutdown when current is ScmState.Running or ScmState.StartPending => ScmControlAction.BeginStop,
        Control_Stop or Control_Shutdown => ScmControlAction.Report,
        Control_Interrogate => ScmControlAction.Report,
        _ => ScmControlAction.NotImplemented,
    };

    /// <summary>The next check point of a pending state (the SCM wants it to grow while work goes on).</summary>
    public static uint NextCheckPoint(ScmStatus status) =>
        status.State is ScmState.StartPending or ScmState.StopPending ? status.CheckPoint + 1 : 0;

    private static uint Milliseconds(TimeSpan span) => (uint)Math.Clamp(span.TotalMilliseconds, 0, uint.MaxValue);
}
