<#
.SYNOPSIS
  Installs Exchange as a Windows service (or removes it with -Uninstall).

.DESCRIPTION
  Publishes src/Exchange.Host (unless -PublishDir is given) to C:\Program Files\Exchange, puts the shipped configuration
  in C:\ProgramData\Exchange\config (an operator's edited files are kept), and registers the service with sc.exe:
  automatic (delayed) start, the 'exchange service' verb (Microsoft.Extensions.Hosting.WindowsServices), a virtual service
  account (NT SERVICE\Exchange) with write access only to the data and log folders (their inherited permissions are
  removed: only SYSTEM, Administrators and the service account have access), and recovery actions: restart after
  5 s, again after 30 s, then after 5 minutes; the failure count resets after a day. Exit codes 2, 3 and 5
  (configuration, schema, published demo password) also stop the service with an error, so check the log before
  restarting by hand. The installed appsettings.json has no principal (the shipped demo-insurer's password is
  published): add principals with a PasswordHash from 'exchange hash-password'.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install\install-windows.ps1
  powershell -ExecutionPolicy Bypass -File install\install-windows.ps1 -Uninstall
#>
[CmdletBinding()]
param(
  [string]$ServiceName = 'Exchange',
  [string]$InstallDir = (Join-Path $env:ProgramFiles 'Exchange'),
  [string]$DataRoot = (Join-Path $env:ProgramData 'Exchange'),
  [string]$PublishDir,
  [switch]$Uninstall,
  [switch]$NoStart
)
$ErrorActionPreference = 'Stop'
$repo = Split-Path -Parent $PSScriptRoot

function Invoke-Sc([string[]]$Arguments) {
  & sc.exe @Arguments | Write-Host
  if ($LASTEXITCODE -ne 0) { throw "sc.exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'Run this script in an elevated PowerShell (Run as administrator).'
}

$existing = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($Uninstall) {
  if ($existing) {
    if ($existing.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
    Invoke-Sc @('delete', $ServiceName)
  }
  if (Test-Path $InstallDir) { Remove-Item -Recurse -Force $InstallDir }
  Write-Host "Exchange removed. Kept: $DataRoot (configuration, data, logs)."
  return
}

if (-not $PublishDir) {
  $PublishDir = Join-Path ([IO.Path]::GetTempPath()) ("exchange-publish-" + [guid]::NewGuid().ToString('N'))
  & dotnet publish (Join-Path $repo 'src\Exchange.Host\Exchange.Host.csproj') -c Release -r win-x64 --self-contained false -o $PublishDir -nologo
  if ($LASTEXITCODE -ne 0) { throw "dotnet publish failed with exit code $LASTEXITCODE" }
}
if (-not (Test-Path (Join-Path $PublishDir 'exchange.exe'))) { throw "$PublishDir holds no exchange.exe (not a win-x64 publish of src/Exchange.Host)" }

if ($existing -and $existing.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
Copy-Item -Recurse -Force (Join-Path $PublishDir '*') $InstallDir
Remove-Item -Recurse -Force (Join-Path $InstallDir 'config') -ErrorAction SilentlyContinue

$config = Join-Path $DataRoot 'config'
$data = Join-Path $DataRoot 'data'
$logs = Join-Path $DataRoot 'logs'
New-Item -ItemType Directory -Force -Path $config, $data, $logs | Out-Null
foreach ($file in 'appsettings.json', 'schedule.json', 'nlog.config') {
  $target = Join-Path $config $file
  if (Test-Path $target) { $target = "$target.dist" }
  if ($file -eq 'appsettings.json') {
    # Installed without principals: the shipped demo-insurer's password is published in the repository.
    $settings = Get-Content -Raw (Join-Path $repo "config\$file") | ConvertFrom-Json
    $settings.Exchange.Principals = @()
    $settings | ConvertTo-Json -Depth 32 | Set-Content -Encoding UTF8 $target
  } else {
    Copy-Item -Force (Join-Path $repo "config\$file") $target
  }
}

$binPath = "`"$(Join-Path $InstallDir 'exchange.exe')`" service --config `"$config`""
if ($existing) {
  Invoke-Sc @('config', $ServiceName, "binPath=", $binPath, 'start=', 'delayed-auto', 'obj=', "NT SERVICE\$ServiceName")
} else {
  Invoke-Sc @('create', $ServiceName, "binPath=", $binPath, 'start=', 'delayed-auto', 'obj=', "NT SERVICE\$ServiceName", 'DisplayName=', 'Exchange data-exchange daemon')
}
Invoke-Sc @('description', $ServiceName, 'Moves social-security data to insurers only while the production database is idle.')
# Recovery: restart after 5 s, 30 s, 5 min; reset the failure count after one day. failureflag 1: a stop with a non-zero
# exit code (a start that failed once the host ran) counts as a failure too, not only a crash or an exit before it ran.
Invoke-Sc @('failure', $ServiceName, 'reset=', '86400', 'actions=', 'restart/5000/restart/30000/restart/300000')
Invoke-Sc @('failureflag', $ServiceName, '1')
# Stop: the daemon waits for the chunk in flight for Exchange:Operator:ShutdownTimeout; give the SCM room beyond it.
Invoke-Sc @('config', $ServiceName, 'depend=', 'Tcpip')

# Only SYSTEM, Administrators and the virtual account get in: the inherited ACL of ProgramData (which lets every user
# read) is removed, so password hashes, data and logs are not readable by other accounts. The account may read the
# configuration and write only data and logs. SIDs (*S-1-5-18 SYSTEM, *S-1-5-32-544 Administrators) work in every locale.
& icacls $config /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "NT SERVICE\${ServiceName}:(OI)(CI)RX" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls on $config failed with exit code $LASTEXITCODE" }
& icacls $data /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "NT SERVICE\${ServiceName}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls on $data failed with exit code $LASTEXITCODE" }
& icacls $logs /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' "NT SERVICE\${ServiceName}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls on $logs failed with exit code $LASTEXITCODE" }
# The service's own environment (REG_MULTI_SZ "Environment" of its key), as the systemd unit's Environment= lines.
$environment = @("Exchange__DataDirectory=$data", "Exchange__LogDirectory=$logs")
New-ItemProperty -Path "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName" -Name 'Environment' -PropertyType MultiString -Value $environment -Force | Out-Null

Write-Host "Installed: $InstallDir (program), $config (configuration), $data (data), $logs (logs)."
Write-Host "No principal is installed. Add one to Exchange:Principals in $(Join-Path $config 'appsettings.json'), with a PasswordHash from"
Write-Host "  `"$(Join-Path $InstallDir 'exchange.exe')`" hash-password"
Write-Host "Check the configuration with: `"$(Join-Path $InstallDir 'exchange.exe')`" check-config --config `"$config`""
if (-not $NoStart) { Start-Service -Name $ServiceName; Get-Service -Name $ServiceName | Format-Table -AutoSize }
