#!/usr/bin/env bash
# Runs Herald's benchmark: every scenario against Herald (in the Tomcat that `mvn -Prun` starts) and against the two
# peers (the article's Express design and Nchan), with the same load tool, on this machine, on 127.0.0.1 only.
#
#   bash bench/run.sh                 # every scenario, every target (about 25 minutes here)
#   bash bench/run.sh idle fanout     # some scenarios (stalled100: 100 of 1,000 stop reading at once)
#   TARGETS="herald nchan" bash bench/run.sh steady
#   TARGETS="floor" bash bench/run.sh steady    # the servlet floor (bench/floor) in Herald's Tomcat
#   TARGETS="herald floor" bash bench/run.sh connect   # 10,000 streams at 2,000/s: connect times against the floor
#   HERALD_GC=-XX:+UseParallelGC TARGETS=herald bash bench/run.sh steady   # Herald on another collector
#   bash bench/run.sh quiet            # quiet topics next to a busy one: fair retention (Herald only, 4 minutes)
#   bash bench/run.sh wildcards        # fan-out CPU per delivery, half of 10,000 subscribers on a wildcard, against
#                                      # all on the exact topic (Herald only; PAIRS=3 alternating runs on one server)
#
# Results: one JSON file per (scenario, target) in bench/results/, then the charts in docs/images/.
# Prerequisites: bash bench/peers/install.sh (nginx with Nchan, Node packages, matplotlib).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results}
TARGETS=${TARGETS:-herald express nchan}
SCENARIOS=${*:-idle fanout steady stalled reconnect}
HERALD_PORT=8080
EXPRESS_PORT=3000
NCHAN_PORT=8090
LOAD_HEAP=${LOAD_HEAP:-3g}
mkdir -p "$RESULTS" "$ROOT/bench/run"

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

build() {
    log "building the WAR and the load tool"
    mvn -q -DskipTests package test-compile
    build_floor
}

# The servlet floor (bench/floor): a bare fan-out servlet, deployed next to Herald in the same Tomcat, so that
# Herald's cost can be told from the container's. Not part of Herald; target "floor".
build_floor() {
    local api
    api=$(ls ~/.m2/repository/jakarta/servlet/jakarta.servlet-api/6.*/jakarta.servlet-api-6.*.jar | tail -1)
    rm -rf "$ROOT/bench/run/floor" && mkdir -p "$ROOT/bench/run/floor/WEB-INF/classes"
    javac --release 17 -cp "$api" -d "$ROOT/bench/run/floor/WEB-INF/classes" "$ROOT/bench/floor/FloorServlet.java"
    (cd "$ROOT/bench/run/floor" && jar cf ../floor.war .)
}

# --- servers -------------------------------------------------------------------------------------------------
SERVER_PGID=""
SERVER_PID=""
SERVER_KIND=""

wait_for() { # url, seconds
    local deadline=$((SECONDS + $2))
    until curl -s -o /dev/null -m 2 "$1"; do
        if ((SECONDS > deadline)); then log "no answer from $1"; return 1; fi
        sleep 1
    done
}

start_herald() { # extra maven arguments
    if curl -s -o /dev/null -m 2 "http://127.0.0.1:$HERALD_PORT/"; then
        log "127.0.0.1:$HERALD_PORT is busy: stop what runs there first"; exit 1
    fi
    log "starting Herald: mvn -Prun $*"
    setsid mvn -o -Prun -Dherald.run.jvmargs="-Xms256m -Xmx2g ${HERALD_GC:-} ${HERALD_OPTS:-} -XX:NativeMemoryTracking=summary" "$@" \
        > "$ROOT/bench/run/herald.log" 2>&1 < /dev/null &
    SERVER_PGID=$!
    wait_for "http://127.0.0.1:$HERALD_PORT/herald/api/health/ready" 180
    SERVER_PID=$(pgrep -f -- "-Dcatalina.base=$ROOT/target/cargo-tomcat" | head -1)
    SERVER_KIND=herald
}

start_floor() { # Herald's Tomcat, with the floor's WAR dropped into its webapps
    start_herald
    cp "$ROOT/bench/run/floor.war" "$ROOT/target/cargo-tomcat/webapps/floor.war"
    local deadline=$((SECONDS + 60))
    until curl -sf -o /dev/null -m 2 -d '{}' "http://127.0.0.1:$HERALD_PORT/floor/pub/warm"; do
        ((SECONDS < deadline)) || { log "the floor did not deploy"; exit 1; }
        sleep 1
    done
    SERVER_KIND=floor
}

start_express() {
    bash bench/peers/start-express.sh "$EXPRESS_PORT" > "$ROOT/bench/run/express.pids"
    SERVER_PID=$(awk '/^measure/ {print $2}' "$ROOT/bench/run/express.pids")
    SERVER_KIND=express
}

start_nchan() { # extra: "small-send-buffer"
    bash bench/peers/start-nchan.sh "$@" > "$ROOT/bench/run/nchan.pids"
    SERVER_PID=$(awk '/^measure/ {print $2}' "$ROOT/bench/run/nchan.pids")
    SERVER_KIND=nchan
}

stop_server() {
    case "$SERVER_KIND" in
        herald|floor) kill -- "-$SERVER_PGID" 2>/dev/null || true
                while pgrep -f -- "-Dcatalina.base=$ROOT/target/cargo-tomcat" > /dev/null; do sleep 1; done ;;
        express) bash bench/peers/stop-express.sh ;;
        nchan) bash bench/peers/stop-nchan.sh ;;
    esac
    SERVER_KIND=""
}
trap stop_server EXIT

start() { # target, extra
    local target=$1; shift
    case "$target" in
        herald) start_herald "$@" ;;
        floor) start_floor ;;
        express) start_express ;;
        nchan) start_nchan "$@" ;;
    esac
    log "$target runs as pid $SERVER_PID"
    # a first small run, not recorded, so that every server is measured warm (JIT, pools, caches)
    java -cp target/test-classes dev.herald.bench.LoadTool --label warm-up --target "$target" --base "$(base_of "$target")" \
        --subscribers 1000 --connect-rate 1000 --events 200 --rate 0 --quiet > /dev/null
}

base_of() {
    case "$1" in
        herald) echo "http://127.0.0.1:$HERALD_PORT" ;;
        floor) echo "http://127.0.0.1:$HERALD_PORT/floor" ;;
        express) echo "http://127.0.0.1:$EXPRESS_PORT" ;;
        nchan) echo "http://127.0.0.1:$NCHAN_PORT" ;;
    esac
}

load() { # label, target, load tool options...
    local label=$1 target=$2; shift 2
    local jvm=()
    [[ $target == herald || $target == floor ]] && jvm=(--jvm)
    log "$label against $target"
    java -Xmx"$LOAD_HEAP" -cp target/test-classes dev.herald.bench.LoadTool \
        --label "$label" --target "$target" --base "$(base_of "$target")" --server-pid "$SERVER_PID" "${jvm[@]}" \
        --selectors 2 --out "$RESULTS/$label-$target.json" "$@" > /dev/null
}

# --- scenarios -----------------------------------------------------------------------------------------------
scenario_idle() { # 19,000 idle subscribers: all connected, memory per connection
    for target in $TARGETS; do
        start "$target"
        load idle-19000 "$target" --subscribers 19000 --connect-rate 2000 --idle-only --idle-seconds 15
        stop_server
    done
}

scenario_fanout() { # 10,000 subscribers, 2,000 events as fast as possible: CPU per delivery, none lost
    for target in $TARGETS; do
        start "$target"
        load fanout-10000x2000 "$target" --subscribers 10000 --connect-rate 2000 --events 2000 --rate 0 \
            --publishers 4 --drain-seconds 120
        stop_server
    done
}

# Fan-out CPU per delivery with half of 10,000 subscribers on the wildcard bench/* that covers the published topic
# bench/fanout, against all 10,000 on bench/fanout itself (target: within 1.2x). Herald only: the others have no
# wildcards. Exact and wildcard runs alternate on one warm server, PAIRS times, so drift hits both alike; the
# ratio of the medians is printed and every run is in $RESULTS/fanout-{exact,wild50}-N-herald.json.
scenario_wildcards() {
    local pairs=${PAIRS:-3}
    start herald
    for ((n = 1; n <= pairs; n++)); do
        load "fanout-exact-$n" herald --topic bench/fanout --subscribers 10000 --connect-rate 2000 --events 2000 \
            --rate 0 --publishers 4 --drain-seconds 120
        load "fanout-wild50-$n" herald --topic bench/fanout --wildcard-percent 50 --subscribers 10000 \
            --connect-rate 2000 --events 2000 --rate 0 --publishers 4 --drain-seconds 120
    done
    stop_server
    /usr/bin/python3 - "$RESULTS" "$pairs" <<'PY'
import json, statistics, sys
results, pairs = sys.argv[1], int(sys.argv[2])
def cpu(kind):
    runs = [json.load(open(f"{results}/fanout-{kind}-{n}-herald.json")) for n in range(1, pairs + 1)]
    return [r["server"]["cpuMicrosPerDelivery"] for r in runs]
exact, wild = cpu("exact"), cpu("wild50")
print("cpu us/delivery exact:", exact, "half on wildcards:", wild)
print("ratio of medians (target <= 1.2): %.3f" % (statistics.median(wild) / statistics.median(exact)))
PY
}

scenario_steady() { # 10,000 subscribers, 2 events/s for 60 s: latency
    for target in $TARGETS; do
        start "$target"
        load steady-10000x2ps "$target" --subscribers 10000 --connect-rate 2000 --events 120 --rate 2
        stop_server
    done
}

# with and without K subscribers that stop reading at once: stalled_runs K LABEL-PREFIX
stalled_runs() {
    local count=$1 prefix=$2
    for target in $TARGETS; do
        # small server send buffers, or loopback's megabytes hide a stalled client for minutes
        case "$target" in
            herald) start herald -Dherald.run.send-buffer=8192 ;;
            nchan) start nchan small-send-buffer ;;
            *) start "$target" ;;
        esac
        load "baseline$prefix-1000x100ps" "$target" --subscribers 1000 --events 3000 --rate 100
        load "stalled$prefix-1000x100ps" "$target" --subscribers 1000 --events 3000 --rate 100 --stalled "$count" \
            --stalled-rcvbuf 4096 --stall-seconds 20
        stop_server
    done
}

scenario_stalled() { # 1,000 subscribers at 100 events/s, with and without 10 that stop reading
    stalled_runs 10 ""
}

scenario_stalled100() { # 1,000 subscribers at 100 events/s, with and without 100 that stop reading at once
    stalled_runs 100 100
}

scenario_connect() { # 10,000 new streams at CONNECT_RATE (2,000) a second: connect times (herald against floor)
    local rate=${CONNECT_RATE:-2000}
    for target in $TARGETS; do
        start "$target"
        load "connect-10000at$rate" "$target" --subscribers 10000 --connect-rate "$rate" --idle-only --idle-seconds 2
        stop_server
    done
}

scenario_quiet() { # Herald only: 10,000 inboxes next to a ticker at 200/s in a history of 30,000; each inbox away 120 s
    HERALD_OPTS="-Dherald.history.size=30000" start herald
    log "quiet-10000 against herald (about 4 minutes)"
    java -Xss256k -Xmx2g -cp target/test-classes dev.herald.bench.QuietTopicsProbe \
        --base "http://127.0.0.1:$HERALD_PORT/herald" --inboxes 10000 --ticker-rate 200 --inbox-period 60 --away 120 \
        --out "$RESULTS/quiet-10000-herald.json"
    stop_server
}

scenario_reconnect() { # 5,000 connect at once, then all reconnect with Last-Event-ID
    for target in $TARGETS; do
        start "$target"
        load reconnect-5000 "$target" --subscribers 5000 --connect-rate 0 --events 200 --rate 0 \
            --reconnect-after 100
        stop_server
    done
}

build
for scenario in $SCENARIOS; do
    "scenario_$scenario"
done
log "charts"
/usr/bin/python3 bench/chart.py "$RESULTS" docs/images
log "done: results in $RESULTS"
