#!/usr/bin/env bash
# The memory held by 100,000 retained topics (RetainedCostProbe): one node in memory, herald.history.size=1000 so that
# the history stays small, 100,000 publishes with "retain": true on topics of their own, then 100,000 that replace
# them; the live heap (jcmd, after a full GC) before and after, per retained topic; then the same on one node with
# Redis, where Redis's used_memory is measured too.
#
#   bash bench/retained.sh
#   BACKBONES=memory bash bench/retained.sh
#
# Same Tomcat, redis-server and JVM options as bench/retention.sh. Results: bench/results/retained/retained-*.json.
# About three minutes.
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
trap 'stop_all $NODE $REDIS_PORT' EXIT

for port in $NODE $REDIS_PORT; do
    if busy $port; then log "127.0.0.1:$port is busy: stop what runs there first"; exit 1; fi
done

probe() { # label, extra probe options
    local label=$1; shift
    java -Xmx1g -cp target/test-classes dev.herald.bench.RetainedCostProbe --base "http://127.0.0.1:$NODE/herald" \
        --server-pid "$NODE_PID" --topics 100000 --out "$RESULTS/$label.json" "$@"
}

if [[ " ${BACKBONES:-memory redis} " == *" memory "* ]]; then
    log "one node in memory"
    start_node memory $NODE ""
    probe retained-memory
    stop_all $NODE
fi
if [[ " ${BACKBONES:-memory redis} " == *" redis "* ]]; then
    log "one node on Redis"
    start_redis
    start_node redis $NODE "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT"
    probe retained-redis --redis-port "$REDIS_PORT"
    stop_all $NODE $REDIS_PORT
fi
log "done: results in $RESULTS"
