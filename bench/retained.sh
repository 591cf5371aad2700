#!/usr/bin/env bash
# The memory held by 100,000 retained topics (RetainedCostProbe): one node in memory, herald.history.size=1000 so that
# the history stays small, 100,000 publishes with "retain": true on topics of their own, then 100,000 that replace
# them; the live heap (jcmd, after a full GC) before and after, per retained topic.
#
#   bash bench/retained.sh
#
# Same Tomcat and JVM options as bench/retention.sh. Result: bench/results/retained/retained-memory.json. About a minute.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/retained}
RUN=$ROOT/bench/run/retained
REDIS_PORT=6390
NODE=8081
JVM_OPTS="-Xms256m -Xmx2g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000 -Dherald.history.size=1000 -Dherald.retained.max-topics=100000"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s retained bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

. "$ROOT/bench/nodes.sh"
prepare_nodes
trap 'stop_all $NODE' EXIT

if busy $NODE; then log "127.0.0.1:$NODE is busy: stop what runs there first"; exit 1; fi

log "one node in memory"
start_node memory $NODE ""
java -Xmx1g -cp target/test-classes dev.herald.bench.RetainedCostProbe --base "http://127.0.0.1:$NODE/herald" \
    --server-pid "$NODE_PID" --topics 100000 --out "$RESULTS/retained-memory.json"
stop_all $NODE
log "done: results in $RESULTS"
