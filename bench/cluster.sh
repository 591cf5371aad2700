#!/usr/bin/env bash
# Two Herald nodes through Redis against one node in memory, with the same load tool and the same load:
#
#   bash bench/cluster.sh
#
# One node in memory: subscribers and publishes on 127.0.0.1:8081. Two nodes on Redis: subscribers on node B
# (127.0.0.1:8082), publishes to node A (127.0.0.1:8081), so every event crosses Redis; server CPU is the sum of
# both Tomcats and redis-server. Both setups run the unpacked Tomcat 10.1 of the integration tests with the
# cluster tests' catalina.base directories, the WAR copied into each, and the same JVM options; redis-server is
# the binary in embedded-redis (6.2.6), appendonly yes with appendfsync everysec (Redis's default), on
# 127.0.0.1:6390. Results: bench/results/cluster/*.json. About 5 minutes here.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/cluster}
RUN=$ROOT/bench/run/cluster
REDIS_PORT=6390
NODE_A=8081
NODE_B=8082
SUBSCRIBERS=${SUBSCRIBERS:-2000}
EVENTS=${EVENTS:-4000}
JVM_OPTS="-Xms256m -Xmx1g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s cluster bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

. "$ROOT/bench/nodes.sh"
prepare_nodes
trap 'stop_all $NODE_A $NODE_B $REDIS_PORT' EXIT

run() { # label, subscribe port, publish port, pids, load tool options...
    local label=$1 sub=$2 pub=$3 pids=$4; shift 4
    log "$label"
    java -Xmx2g -cp target/test-classes dev.herald.bench.LoadTool --label "$label" --target herald \
        --base "http://127.0.0.1:$sub" --publish-base "http://127.0.0.1:$pub" --server-pid "$pids" \
        --selectors 2 --quiet --out "$RESULTS/$label.json" "$@" > /dev/null
}

warm_up() { # subscribe port, publish port
    java -cp target/test-classes dev.herald.bench.LoadTool --label warm-up --target herald \
        --base "http://127.0.0.1:$1" --publish-base "http://127.0.0.1:$2" \
        --subscribers 1000 --connect-rate 1000 --events 500 --rate 0 --quiet > /dev/null
}

scenarios() { # name, subscribe port, publish port, pids
    local name=$1 sub=$2 pub=$3 pids=$4
    warm_up "$sub" "$pub"
    run "steady-${SUBSCRIBERS}x100ps-$name" "$sub" "$pub" "$pids" --subscribers "$SUBSCRIBERS" \
        --connect-rate 2000 --events "$EVENTS" --rate 100
    run "fanout-${SUBSCRIBERS}x${EVENTS}-$name" "$sub" "$pub" "$pids" --subscribers "$SUBSCRIBERS" \
        --connect-rate 2000 --events "$EVENTS" --rate 0 --drain-seconds 60
}

for port in $NODE_A $NODE_B $REDIS_PORT; do
    if busy $port; then log "127.0.0.1:$port is busy: stop what runs there first"; exit 1; fi
done

log "one node in memory"
start_node memory $NODE_A ""
scenarios memory $NODE_A $NODE_A "$NODE_PID"
stop_all $NODE_A $NODE_B $REDIS_PORT

log "two nodes on Redis"
start_redis
start_node node-a $NODE_A "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT/0"
PID_A=$NODE_PID
start_node node-b $NODE_B "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT/0"
PID_B=$NODE_PID
scenarios redis $NODE_B $NODE_A "$PID_A,$PID_B,$REDIS_PID"
stop_all $NODE_A $NODE_B $REDIS_PORT
log "done: results in $RESULTS"
