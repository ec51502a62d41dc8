#!/usr/bin/env bash
# Installs Exchange as a systemd service:
#   /opt/exchange        the published executable (the Oracle and SQL Server drivers are part of it)
#   /etc/exchange        appsettings.json, schedule.json, nlog.config (kept on reinstall)
#   /var/lib/exchange    data (staging store), owned by the service user
#   /var/log/exchange    logs, owned by the service user
#   /etc/systemd/system/exchange.service
#
# Usage: sudo install/install-linux.sh [--no-start] [--publish-dir DIR] [--root DIR] [--memory-max SIZE] [--tasks-max N]
#        sudo install/install-linux.sh --uninstall [--purge] [--root DIR]
#   --publish-dir DIR  install an existing `dotnet publish` output instead of publishing now
#   --root DIR         lay everything out under DIR (a staging root: no user, no systemctl); for packaging and tests
#   --no-start         install and enable, but do not start
#   --memory-max SIZE  the unit's MemoryMax= (default 2G, or $EXCHANGE_MEMORY_MAX): bytes with K/M/G/T, a percentage, or infinity
#   --tasks-max N      the unit's TasksMax= (default 512, or $EXCHANGE_TASKS_MAX): a count, a percentage, or infinity
#   --uninstall        stop, disable and remove the unit and /opt/exchange; keeps config, data and logs
#   --purge            with --uninstall: also remove /etc/exchange, /var/lib/exchange, /var/log/exchange and the user
#
# The installed appsettings.json has no principal: the shipped one's demo-insurer has a published password. Add
# principals with a PasswordHash from `exchange hash-password`.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
service_user=exchange
root=""
publish_dir=""
start=1
uninstall=0
purge=0
memory_max="${EXCHANGE_MEMORY_MAX:-2G}"
tasks_max="${EXCHANGE_TASKS_MAX:-512}"

while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --publish-dir) publish_dir="${2:?--publish-dir needs a folder}"; shift 2 ;;
    --no-start) start=0; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    --memory-max) memory_max="${2:?--memory-max needs a size}"; shift 2 ;;
    --tasks-max) tasks_max="${2:?--tasks-max needs a count}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "install-linux.sh: unknown option '$1' (accepted: --root, --publish-dir, --no-start, --memory-max, --tasks-max, --uninstall, --purge, --help)" >&2; exit 2 ;;
  esac
done

# Checked here, as systemd would read them, so a typo fails the install instead of being ignored by systemd with a warning.
if ! [[ "$memory_max" =~ ^([1-9][0-9]*[KMGT]?|[1-9][0-9]?%|100%|infinity)$ ]]; then
  echo "install-linux.sh: --memory-max (or EXCHANGE_MEMORY_MAX) must be a size such as 2G, 1536M or 1073741824, a percentage of RAM such as 50%, or infinity; was '$memory_max'" >&2
  exit 2
fi
if ! [[ "$tasks_max" =~ ^([1-9][0-9]*|[1-9][0-9]?%|100%|infinity)$ ]]; then
  echo "install-linux.sh: --tasks-max (or EXCHANGE_TASKS_MAX) must be a count such as 512, a percentage of the system's limit such as 10%, or infinity; was '$tasks_max'" >&2
  exit 2
fi

if [ -n "$root" ]; then
  mkdir -p "$root"
  root="$(cd "$root" && pwd)"
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-linux.sh: run as root (sudo), or pass --root DIR to lay out a staging root" >&2
  exit 1
fi

opt="$root/opt/exchange"
etc="$root/etc/exchange"
data="$root/var/lib/exchange"
logs="$root/var/log/exchange"
unit="$root/etc/systemd/system/exchange.service"
have_systemctl=0
if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  have_systemctl=1
fi

if [ "$uninstall" -eq 1 ]; then
  if [ "$have_systemctl" -eq 1 ]; then
    systemctl disable --now exchange.service 2>/dev/null || true
  fi
  rm -f "$unit"
  rm -rf "$root/etc/systemd/system/exchange.service.d" "$opt"
  [ "$have_systemctl" -eq 1 ] && systemctl daemon-reload
  if [ "$purge" -eq 1 ]; then
    rm -rf "$etc" "$data" "$logs"
    if [ -z "$root" ] && id "$service_user" >/dev/null 2>&1; then
      userdel "$service_user"
    fi
    echo "Exchange removed, with its configuration, data, logs and user."
  else
    echo "Exchange removed. Kept: $etc (configuration), $data (data), $logs (logs); --purge removes them too."
  fi
  exit 0
fi

if [ -z "$publish_dir" ]; then
  command -v dotnet >/dev/null 2>&1 || { echo "install-linux.sh: the .NET 10 SDK (dotnet) is needed to publish; or pass --publish-dir" >&2; exit 1; }
  publish_dir="$(mktemp -d)"
  trap 'rm -rf "$publish_dir"' EXIT
  echo "Publishing src/Exchange.Host (Release) ..."
  dotnet publish "$repo/src/Exchange.Host/Exchange.Host.csproj" -c Release -o "$publish_dir" -nologo -v quiet
fi
[ -f "$publish_dir/exchange.dll" ] || { echo "install-linux.sh: $publish_dir holds no exchange.dll (not a publish output of src/Exchange.Host)" >&2; exit 1; }

# The service user: a system account without a shell or home.
if [ -z "$root" ] && ! id "$service_user" >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /var/lib/exchange --shell /usr/sbin/nologin "$service_user"
fi

mkdir -p "$opt" "$etc" "$data" "$logs" "$(dirname "$unit")"
rm -rf "$opt.new" && cp -a "$publish_dir" "$opt.new"
rm -rf "$opt" && mv "$opt.new" "$opt"
# The published output may carry a config/ folder; the service reads /etc/exchange only.
rm -rf "$opt/config"
cp "$repo/README.md" "$opt/README.md"

# The shipped appsettings.json without its principals: the demo-insurer's password is published in the repository, so an
# installed machine starts with no principal at all. Replaces the "Principals": [ ... ] array (however many lines) with [].
without_principals() {
  awk '
    skipping == 0 && /"Principals"[[:space:]]*:[[:space:]]*\[/ {
      indent = $0; sub(/[^[:space:]].*$/, "", indent)
      depth = 0; skipping = 1
    }
    skipping == 1 {
      line = $0
      depth += gsub(/\[/, "[", line) - gsub(/\]/, "]", line)
      if (depth == 0) {
        comma = ($0 ~ /\][[:space:]]*,[[:space:]]*$/) ? "," : ""
        print indent "\"Principals\": []" comma
        skipping = 2
      }
      next
    }
    { print }
  ' "$1"
}

# Configuration: the shipped files on first install; an operator's edits are never overwritten.
for file in appsettings.json schedule.json nlog.config; do
  target="$etc/$file"
  [ -f "$target" ] && target="$etc/$file.dist"
  if [ "$file" = appsettings.json ]; then
    without_principals "$repo/config/$file" > "$target"
  else
    cp "$repo/config/$file" "$target"
  fi
done
demo_hash="$(grep -o 'pbkdf2-sha256\$[^"]*' "$repo/config/appsettings.json" | head -n 1)"
if [ -n "$demo_hash" ] && grep -qF "$demo_hash" "$etc/appsettings.json"; then
  echo "WARNING: $etc/appsettings.json (kept from an earlier install) still has a principal with the shipped demo PasswordHash," >&2
  echo "         whose password is published. Remove it, or give it a new PasswordHash from 'exchange hash-password';" >&2
  echo "         the daemon refuses to start while such a principal is served beyond loopback." >&2
fi

# The shipped unit with this install's resource bounds (validated above, so they are safe in a sed replacement).
sed -e "s/^MemoryMax=.*/MemoryMax=$memory_max/" -e "s/^TasksMax=.*/TasksMax=$tasks_max/" "$repo/install/exchange.service" > "$unit"
chmod 0644 "$unit"

# Framework-dependent publish: tell the apphost where the .NET runtime is when it is not in a default location.
if dotnet_path="$(command -v dotnet 2>/dev/null)"; then
  dotnet_root="$(dirname "$(readlink -f "$dotnet_path")")"
  case "$dotnet_root" in
    /usr/share/dotnet|/usr/lib/dotnet) ;;
    *) mkdir -p "$unit.d"
       printf '[Service]\nEnvironment=DOTNET_ROOT=%s\n' "$dotnet_root" > "$unit.d/dotnet-root.conf" ;;
  esac
fi

if [ -z "$root" ]; then
  chown -R root:root "$opt" "$etc"
  chgrp -R "$service_user" "$etc"
  chmod 0750 "$etc"
  chmod 0640 "$etc"/*
  chown -R "$service_user:$service_user" "$data" "$logs"
  chmod 0750 "$data" "$logs"
fi

echo "Installed: $opt (program), $etc (configuration), $data (data), $logs (logs), $unit (unit)."
if [ "$have_systemctl" -eq 1 ]; then
  systemctl daemon-reload
  systemctl enable exchange.service
  if [ "$start" -eq 1 ]; then
    systemctl restart exchange.service
    systemctl --no-pager status exchange.service || true
  fi
elif [ -z "$root" ]; then
  echo "systemd is not running here (no /run/systemd/system): enable and start the unit on the target machine with"
  echo "  systemctl daemon-reload && systemctl enable --now exchange.service"
fi
echo "Resource bounds in the unit: MemoryMax=$memory_max TasksMax=$tasks_max."
echo "No principal is installed. Add one to Exchange:Principals in $etc/appsettings.json, with a PasswordHash from"
echo "  $opt/exchange hash-password"
echo "Check the configuration with: $opt/exchange check-config --config $etc"
