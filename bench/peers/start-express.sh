#!/usr/bin/env bash
# Starts the Express peer in the background on 127.0.0.1:PORT (default $PORT or 3000) and prints
#   measure <pid>   the node process, which holds every connection
# Extra arguments go to server.js (--join, --history N, --heartbeat S, --max-pending-kib K).
# Log: bench/run/express.log. Stop: bash bench/peers/stop-express.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
DIR=$(cd "$(dirname "$0")/express" && pwd)
PORT=${1:-${PORT:-3000}}
shift $(($# > 0 ? 1 : 0))
PID_FILE=$RUN_DIR/express.pid

[[ -d $DIR/node_modules/express ]] || die "no node_modules in $DIR: run bash bench/peers/install.sh"
if [[ -f $PID_FILE ]] && kill -0 -- "-$(< "$PID_FILE")" 2> /dev/null; then
    die "the Express peer already runs (process group $(< "$PID_FILE")); stop it with bench/peers/stop-express.sh"
fi
port_busy "$PORT" && die "127.0.0.1:$PORT is busy"

ulimit -n 20000
# Without job control, setsid runs node in place: $! is node's pid and its process group.
setsid node "$DIR/server.js" --port "$PORT" "$@" > "$RUN_DIR/express.log" 2>&1 < /dev/null &
PID=$!
echo "$PID" > "$PID_FILE"
if ! wait_for_port "$PORT" "$PID" 30; then
    log "the Express peer did not answer on 127.0.0.1:$PORT; its log:"
    cat "$RUN_DIR/express.log" >&2
    kill -- "-$PID" 2> /dev/null || true
    rm -f "$PID_FILE"
    exit 1
fi
log "Express peer on http://127.0.0.1:$PORT/events, log $RUN_DIR/express.log"
echo "measure $PID"
