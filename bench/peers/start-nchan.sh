#!/usr/bin/env bash
# Starts the Nchan peer (nginx with nchan/nginx.conf) in the background on 127.0.0.1:$NCHAN_PORT (default 8090)
# and prints
#   master <pid>    nginx's master, which only supervises
#   measure <pid>   the one worker, which holds every connection
#   bash bench/peers/start-nchan.sh                      # as nchan/nginx.conf says
#   bash bench/peers/start-nchan.sh small-send-buffer    # 8 KiB socket send buffers, for the stalled-client scenario
# Prefix, logs and the config actually used: bench/run/nchan/. Stop: bash bench/peers/stop-nchan.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
CONF=$(cd "$(dirname "$0")/nchan" && pwd)/nginx.conf
PORT=${NCHAN_PORT:-8090}
PREFIX=$RUN_DIR/nchan
PGID_FILE=$RUN_DIR/nchan.pgid
LISTEN_OPTIONS=""
case "${1:-}" in
    "") ;;
    small-send-buffer) LISTEN_OPTIONS=" sndbuf=8k" ;; # as Herald's run with -Dherald.run.send-buffer=8192
    *) die "usage: $0 [small-send-buffer]" ;;
esac

command -v nginx > /dev/null || die "no nginx: run bash bench/peers/install.sh"
if [[ -f $PGID_FILE ]] && kill -0 -- "-$(< "$PGID_FILE")" 2> /dev/null; then
    die "the Nchan peer already runs (process group $(< "$PGID_FILE")); stop it with bench/peers/stop-nchan.sh"
fi
port_busy "$PORT" && die "127.0.0.1:$PORT is busy"

mkdir -p "$PREFIX/logs" "$PREFIX/run" "$PREFIX/tmp"
sed "s|listen 127.0.0.1:8090;|listen 127.0.0.1:$PORT$LISTEN_OPTIONS;|" "$CONF" > "$PREFIX/nginx.conf"
grep -q "listen 127.0.0.1:$PORT$LISTEN_OPTIONS;" "$PREFIX/nginx.conf" || die "no 'listen 127.0.0.1:8090;' line in $CONF"
: > "$PREFIX/logs/error.log"
if ! nginx -q -t -c "$PREFIX/nginx.conf" -p "$PREFIX/" -g 'daemon off;' 2> "$PREFIX/logs/nginx.out"; then
    cat "$PREFIX/logs/nginx.out" >&2
    die "nginx refuses $PREFIX/nginx.conf"
fi

ulimit -n 20000
# Without job control, setsid runs nginx in place: $! is the master's pid and the process group of both.
setsid nginx -c "$PREFIX/nginx.conf" -p "$PREFIX/" -g 'daemon off;' > "$PREFIX/logs/nginx.out" 2>&1 < /dev/null &
MASTER=$!
echo "$MASTER" > "$PGID_FILE"
if ! wait_for_port "$PORT" "$MASTER" 30; then
    log "the Nchan peer did not answer on 127.0.0.1:$PORT; its logs:"
    cat "$PREFIX/logs/nginx.out" "$PREFIX/logs/error.log" >&2 2> /dev/null || true
    kill -- "-$MASTER" 2> /dev/null || true
    rm -f "$PGID_FILE"
    exit 1
fi
WORKER=""
for _ in $(seq 50); do
    WORKER=$(pgrep -P "$MASTER" || true)
    [[ -n $WORKER ]] && break
    sleep 0.1
done
[[ -n $WORKER && $WORKER != *$'\n'* ]] || die "expected one nginx worker under master $MASTER, found: ${WORKER:-none}"
log "Nchan peer: subscribe http://127.0.0.1:$PORT/sub/bench, publish http://127.0.0.1:$PORT/pub/bench; logs $PREFIX/logs"
echo "master $MASTER"
echo "measure $WORKER"
