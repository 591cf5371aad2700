#!/usr/bin/env bash
# What a batch saves: 100,000 events published as 100,000 single publishes, then as 1,000 batches of 100
# (BatchCostProbe), on one node in memory and on one node with Redis:
#
#   bash bench/batch.sh                          # both backbones
#   BACKBONES=memory BATCH=50 bash bench/batch.sh
#
# Reports, per way, events per second, the server's CPU per event (Herald's, and Herald's plus redis-server's) and
# the answer time of each request (a single event's, a whole batch's). Same Tomcat, redis-server and JVM options as
# bench/retention.sh (herald.history.size=10000, the default, so every publish evicts once the warm-up filled it).
# Results: bench/results/batch/*.json. About 3 minutes.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/batch}
RUN=$ROOT/bench/run/batch
REDIS_PORT=6390
NODE=8081
BATCH=${BATCH:-100}
EVENTS=${EVENTS:-100000}
JVM_OPTS="-Xms256m -Xmx2g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000 -Dherald.publish.batch-max=$BATCH"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s batch bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

. "$ROOT/bench/nodes.sh"
prepare_nodes
trap 'stop_all $NODE $REDIS_PORT' EXIT

for port in $NODE $REDIS_PORT; do
    if busy $port; then log "127.0.0.1:$port is busy: stop what runs there first"; exit 1; fi
done

probe() { # label, extra probe options
    local label=$1; shift
    log "$label"
    java -Xmx1g -cp target/test-classes dev.herald.bench.BatchCostProbe --base "http://127.0.0.1:$NODE/herald" \
        --server-pid "$NODE_PID" --events "$EVENTS" --batch "$BATCH" --out "$RESULTS/$label.json" "$@"
}

if [[ " ${BACKBONES:-memory redis} " == *" memory "* ]]; then
    log "one node in memory"
    start_node memory $NODE ""
    probe "batch-memory"
    stop_all $NODE
fi
if [[ " ${BACKBONES:-memory redis} " == *" redis "* ]]; then
    log "one node on Redis"
    start_redis
    start_node redis $NODE "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT"
    probe "batch-redis" --redis-pid "$REDIS_PID"
    stop_all $NODE $REDIS_PORT
fi
log "done: results in $RESULTS"
