#!/usr/bin/env bash
# A node that dies: two Herald nodes on one Redis behind nginx, 2,000 subscribers and 100 events a second through
# the balancer, and one node killed with SIGKILL in the middle:
#
#   bash bench/failover.sh          # about 2 minutes
#
# nginx (Debian's) balances over both nodes with proxy_buffering off and a read timeout above the heartbeat. The
# load tool's subscribers reconnect with Last-Event-ID whenever a stream ends or breaks; its publishes carry an
# Idempotency-Key each and are retried (same body, same key) until a node answers 202, so a publish the dead node
# stored but never answered is not stored twice. KILL_AFTER seconds into the run (default 25), node B gets SIGKILL.
# The load tool checks that every subscriber got every event exactly once. Results:
# bench/results/cluster/failover-<subscribers>x100ps.json. Everything listens on 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/cluster}
RUN=$ROOT/bench/run/failover
REDIS_PORT=6393
NODE_A=8081
NODE_B=8082
BALANCER=8088
SUBSCRIBERS=${SUBSCRIBERS:-2000}
EVENTS=${EVENTS:-6000}
KILL_AFTER=${KILL_AFTER:-25}
JVM_OPTS="-Xms256m -Xmx1g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000 -Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT/0"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s failover bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
. "$ROOT/bench/nodes.sh"

for port in $NODE_A $NODE_B $REDIS_PORT $BALANCER; do
    if busy $port; then log "127.0.0.1:$port is busy: stop what runs there first"; exit 1; fi
done
[[ -x /usr/sbin/nginx ]] || { log "needs nginx (Debian's package nginx)"; exit 1; }

prepare_nodes
trap 'stop_all' EXIT
start_redis
start_node node-a $NODE_A ""
PID_A=$NODE_PID
start_node node-b $NODE_B ""
PID_B=$NODE_PID

rm -rf "$RUN/nginx" && mkdir -p "$RUN/nginx/logs" "$RUN/nginx/run" "$RUN/nginx/tmp"
cat > "$RUN/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 20000;
pid run/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 10000; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  upstream herald {
    # a node that fails 3 times in 10 s is left alone for 10 s: one slow connect in a reconnect storm (the
    # survivor takes the dead node's clients all at once) must not take the survivor out as well
    server 127.0.0.1:$NODE_A max_fails=3 fail_timeout=10s;
    server 127.0.0.1:$NODE_B max_fails=3 fail_timeout=10s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$BALANCER;
    location / {
      proxy_pass http://herald;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 60s;
      proxy_connect_timeout 5s;
      proxy_next_upstream error timeout;
    }
  }
}
EOF
setsid /usr/sbin/nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx/" -g 'daemon off;' > "$RUN/nginx.out" 2>&1 < /dev/null &
PGIDS+=($!)
deadline=$((SECONDS + 10))
until busy $BALANCER; do ((SECONDS < deadline)) || { log "nginx did not start"; exit 1; }; sleep 0.2; done

log "warm-up through the balancer"
java -cp target/test-classes dev.herald.bench.LoadTool --label warm-up --target herald --base "http://127.0.0.1:$BALANCER" \
    --subscribers 1000 --connect-rate 1000 --events 500 --rate 0 --quiet > /dev/null

label="failover-${SUBSCRIBERS}x100ps"
log "$label: $SUBSCRIBERS subscribers, $EVENTS events at 100/s; node B (pid $PID_B) gets SIGKILL after ${KILL_AFTER} s"
(sleep "$KILL_AFTER"; kill -9 "$PID_B"; log "node B killed") &
killer=$!
java -Xmx2g -cp target/test-classes dev.herald.bench.LoadTool --label "$label" --target herald \
    --base "http://127.0.0.1:$BALANCER" --server-pid "$PID_A,$REDIS_PID" --selectors 2 --quiet \
    --subscribers "$SUBSCRIBERS" --connect-rate 1000 --events "$EVENTS" --rate 100 --publishers 4 \
    --publish-retry-seconds 30 --drain-seconds 60 --out "$RESULTS/$label.json" > /dev/null
# the killer only: the nodes, Redis and nginx are children too, and run until stop_all
wait "$killer"
log "done: $RESULTS/$label.json"
