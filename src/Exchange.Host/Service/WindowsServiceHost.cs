using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Exchange.Host.Service;

/// <summary>
/// A small Windows service host: <c>StartServiceCtrlDispatcherW</c> hands the main thread to the service control manager,
/// which calls <c>ServiceMain</c>; that registers a control handler (<c>RegisterServiceCtrlHandlerExW</c>), reports
/// StartPending, runs the daemon, reports Running once it has started, and on STOP or SHUTDOWN reports StopPending with a
/// wait hint of the shutdown timeout while the daemon finishes the chunk in flight, then Stopped with its exit code.
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class WindowsServiceHost
{
    private const uint ServiceWin32OwnProcess = 0x10;
    private const int ErrorFailedServiceControllerConnect = 1063;
    private const uint NoError = 0;
    private const uint ErrorCallNotImplemented = 120;

    private readonly Func<CancellationToken, Task<int>> _daemon;
    private readonly TimeSpan _shutdownTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _statusLock = new();
    private readonly ServiceMainCallback _serviceMain;
    private readonly HandlerExCallback _handler;
    private IntPtr _statusHandle;
    private ScmStatus _status = ServiceStateMachine.Starting(1);
    private int _exitCode;

    private WindowsServiceHost(Func<CancellationToken, Task<int>> daemon, TimeSpan shutdownTimeout)
    {
        _daemon = daemon;
        _shutdownTimeout = shutdownTimeout;
        _serviceMain = ServiceMain;
        _handler = Handle;
    }

    [UnmanagedFunctionPointer(CallingConvention.Winapi)]
    private delegate void ServiceMainCallback(uint argc, IntPtr argv);

    [UnmanagedFunctionPointer(CallingConvention.Winapi)]
    private delegate uint HandlerExCallback(uint control, uint eventType, IntPtr eventData, IntPtr context);

    /// <summary>The host while the process runs as a service (the daemon reports Running through it), else null.</summary>
    public static WindowsServiceHost? Current { get; private set; }

    /// <summary>
    /// Runs <paramref name="daemon"/> under the SCM and returns its exit code; returns null when the process was not started
    /// by the SCM (started from a console), so the caller can say so.
    /// </summary>
    public static int? Run(Func<CancellationToken, Task<int>> daemon, TimeSpan shutdownTimeout)
    {
        var host = new WindowsServiceHost(daemon, shutdownTimeout);
        Current = host;
        var name = Marshal.StringToHGlobalUni("");
        var table = Marshal.AllocHGlobal(IntPtr.Size * 4);
        try
        {
            // SERVICE_TABLE_ENTRYW[2]: our entry, then the terminating null entry. The name is ignored for an own-process service.
            Marshal.WriteIntPtr(table, 0, name);
            Marshal.WriteIntPtr(table, IntPtr.Size, Marshal.GetFunctionPointerForDelegate(host._serviceMain));
            Marshal.WriteIntPtr(table, IntPtr.Size * 2, IntPtr.Zero);
            Marshal.WriteIntPtr(table, IntPtr.Size * 3, IntPtr.Zero);
            if (!StartServiceCtrlDispatcherW(table))
            {
                var error = Marshal.GetLastPInvokeError();
                return error == ErrorFailedServiceControllerConnect ? null : throw new Win32Exception(error);
            }

            return host._exitCode;
        }
        finally
        {
            GC.KeepAlive(host);
            Marshal.FreeHGlobal(table);
            Marshal.FreeHGlobal(name);
            Current = null;
        }
    }

    /// <summary>The daemon has started (staging store open, endpoints listening).</summary>
    public void ReportRunning()
    {
        lock (_statusLock)
        {
            if (_status.State == ScmState.StartPending)
            {
                Report(ServiceStateMachine.Running());
            }
        }
    }

    private void ServiceMain(uint argc, IntPtr argv)
    {
        _statusHandle = RegisterServiceCtrlHandlerExW("", Marshal.GetFunctionPointerForDelegate(_handler), IntPtr.Zero);
        if (_statusHandle == IntPtr.Zero)
        {
            _exitCode = Marshal.GetLastPInvokeError();
            return;
        }

        lock (_statusLock)
        {
            Report(ServiceStateMachine.Starting(1));
        }

        // Pending states must show progress: the check point grows every two seconds until Running or Stopped.
        using var progress = new Timer(_ =>
        {
            lock (_statusLock)
            {
                if (_status.State is ScmState.StartPending or ScmState.StopPending)
                {
                    Report(_status with { CheckPoint = ServiceStateMachine.NextCheckPoint(_status) });
                }
            }
        }, null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        try
        {
            _exitCode = _daemon(_stop.Token).GetAwaiter().GetResult();
        }
#pragma warning disable CA1031 // The SCM must always get a final Stopped report; the daemon logged the failure.
        catch (Exception)
#pragma warning restore CA1031
        {
            _exitCode = 1;
        }

        lock (_statusLock)
        {
            Report(ServiceStateMachine.Stopped(_exitCode));
        }
    }

    private uint Handle(uint control, uint eventType, IntPtr eventData, IntPtr context)
    {
        lock (_statusLock)
        {
            switch (ServiceStateMachine.OnControl(_status.State, control))
            {
                case ScmControlAction.BeginStop:
                    Report(ServiceStateMachine.Stopping(1, _shutdownTimeout));
                    _stop.Cancel();
                    return NoError;
                case ScmControlAction.Report:
                    Report(_status);
                    return NoError;
                default:
                    return ErrorCallNotImplemented;
            }
        }
    }

    private void Report(ScmStatus status)
    {
        _status = status;
        var native = new ServiceStatus
        {
            ServiceType = ServiceWin32OwnProcess,
            CurrentState = (uint)status.State,
            ControlsAccepted = (uint)status.Accepts,
            Win32ExitCode = status.Win32ExitCode,
            ServiceSpecificExitCode = status.ServiceExitCode,
            CheckPoint = status.CheckPoint,
            WaitHint = status.WaitHintMilliseconds,
        };
        SetServiceStatus(_statusHandle, ref native);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ServiceStatus
    {
        public uint ServiceType;
        public uint CurrentState;
        public uint ControlsAccepted;
        public uint Win32ExitCode;
        public uint ServiceSpecificExitCode;
        public uint CheckPoint;
        public uint WaitHint;
    }

    [DllImport("advapi32.dll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern bool StartServiceCtrlDispatcherW(IntPtr serviceTable);

    [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern IntPtr RegisterServiceCtrlHandlerExW(string serviceName, IntPtr handler, IntPtr context);

    [DllImport("advapi32.dll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    private static extern bool SetServiceStatus(IntPtr statusHandle, ref ServiceStatus status);
}
