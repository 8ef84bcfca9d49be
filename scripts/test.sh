#!/usr/bin/env bash
# Runs every test of Conveyor on a fresh machine: installs what the tests need, provisions a
# throwaway PostgreSQL (unless CONVEYOR_TEST_POSTGRES points at one), runs all test projects,
# and prints one closing line "N passed, N failed".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The dashboard's browser tests (tests/Conveyor.Web.Tests) drive Debian's chromium through Playwright; the CLI's
# terminal tests read its views in a real 80x24 tmux pane; the fault-injection suite (tests/Conveyor.Reliability)
# shifts nodes' clocks with libfaketime.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
compgen -G "/usr/lib/*/faketime/libfaketime.so.1" >/dev/null || missing+=(faketime)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing ${missing[*]} for the browser and terminal tests" >&2
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet build Conveyor.slnx -c Release -nologo -v q -clp:ErrorsOnly

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$root/scripts/with-postgres.sh" dotnet test Conveyor.slnx -c Release --no-build -nologo \
  --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test projects (dotnet test prints a summary per project).
summary=$(grep -E '^(Passed!|Failed!) ' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\1 \2 \3/' \
  | awk '{f+=$1; p+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped", p, f, s}')
echo "$summary"
exit "$status"
