#!/usr/bin/env bash
# What fair retention costs: a history of 100,000 events on 100,000 topics, then twice 100,000 publishes on new topics,
# each of which evicts one event (RetentionCostProbe), on one node in memory and on one node with Redis:
#
#   bash bench/retention.sh                                     # this checkout
#   RING_WAR=/path/to/herald.war bash bench/retention.sh        # and the same against another WAR (the single ring)
#   BACKBONES=redis REDIS_EXTRA="--stream-node-max-bytes 512" LABEL=node512 bash bench/retention.sh
#
# Reports the server's CPU per publish (Herald's, and Herald's plus redis-server's), the publishers' answer times,
# the live heap and Redis's used_memory per held event, and on Redis how long the start of a node blocked Redis
# while it read what is retained (SLOWLOG, commands over 1 ms). Same Tomcat, redis-server and JVM options as
# bench/cluster.sh, herald.history.size=100000. Results: bench/results/retention/*.json. About 4 minutes per WAR.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/retention}
RUN=$ROOT/bench/run/retention
REDIS_PORT=6390
NODE=8081
JVM_OPTS="-Xms256m -Xmx2g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000 -Dherald.history.size=100000"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s retention bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

. "$ROOT/bench/nodes.sh"
prepare_nodes
trap 'stop_all $NODE $REDIS_PORT' EXIT

for port in $NODE $REDIS_PORT; do
    if busy $port; then log "127.0.0.1:$port is busy: stop what runs there first"; exit 1; fi
done

redis() { # one command to redis-server, its answer on stdout (inline protocol, loopback)
    exec 3<> "/dev/tcp/127.0.0.1/$REDIS_PORT"
    printf '%s\r\nQUIT\r\n' "$*" >&3
    timeout 5 cat <&3 | tr -d '\r' || true
    exec 3>&-
}

probe() { # label, extra probe options
    local label=$1; shift
    log "$label"
    java -Xmx1g -cp target/test-classes dev.herald.bench.RetentionCostProbe --base "http://127.0.0.1:$NODE/herald" \
        --server-pid "$NODE_PID" --topics 100000 --measure 100000 --out "$RESULTS/$label.json" "$@"
}

measure_war() { # name, WAR
    local name=$1${LABEL:+-$LABEL} war=$2
    if [[ " ${BACKBONES:-memory redis} " == *" memory "* ]]; then
        log "$name: one node in memory"
        start_node memory $NODE "" "$war"
        probe "retention-memory-$name"
        stop_all $NODE
    fi
    [[ " ${BACKBONES:-memory redis} " == *" redis "* ]] || return 0

    log "$name: one node on Redis"
    start_redis
    redis CONFIG SET slowlog-log-slower-than 1000 > /dev/null
    start_node redis $NODE "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT" "$war"
    probe "retention-redis-$name" --redis-port "$REDIS_PORT" --redis-pid "$REDIS_PID"
    # a node that starts now reads everything retained: how long did that block Redis?
    redis SLOWLOG RESET > /dev/null
    for pgid in "${PGIDS[@]:1}"; do kill -- "-$pgid" 2>/dev/null || true; done
    PGIDS=("${PGIDS[0]}")
    while busy $NODE; do sleep 1; done
    start_node redis $NODE "-Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT" "$war"
    # each entry: microseconds, then the command (RESP: *6, id, time, duration, the arguments' array, ...)
    redis SLOWLOG GET 20 | awk '/^\*6$/ {e = 1; c = 0; next}
        e && /^:/ {if (++c == 3) d = substr($0, 2); next}
        e && /^\*[0-9]+$/ {a = 1; next}
        a && /^\$/ {next}
        a {print d " us " $0; e = 0; a = 0}' > "$RESULTS/retention-redis-$name.slowlog.txt"
    stop_all $NODE $REDIS_PORT
}

measure_war fair "$ROOT/target/herald.war"
if [[ -n ${RING_WAR:-} ]]; then
    measure_war ring "$RING_WAR"
fi
log "done: results in $RESULTS"
