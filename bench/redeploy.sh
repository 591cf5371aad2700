#!/usr/bin/env bash
# Redeploys Herald under 2,000 open streams, as app-server ops do every day, and counts how the streams end:
#
#   bash bench/redeploy.sh                      # tomcat10 tomcat11 payara, about 6 minutes
#   bash bench/redeploy.sh tomcat11             # one of them; STREAMS=500 for fewer streams
#
# Each server is a stock one (Tomcat from its release zip with only the connector bound to 127.0.0.1, Payara Micro
# with an exploded WAR), one node on a redis-server (the binary in embedded-redis). RedeployProbe opens the
# streams and starts publishing 20 events a second; the script then undeploys (Tomcat: removes webapps/herald.war;
# Payara: touches the exploded WAR's .reload, which undeploys and deploys again) and, on Tomcat, copies the WAR back
# once the old one is gone. The probe counts streams that ended cleanly with their last retry: line, cleanly without
# it, or cut off; then every client reconnects with its Last-Event-ID and must hold every accepted event exactly
# once. The script adds what the server logged meanwhile (SEVERE lines, leak warnings). Results:
# bench/results/redeploy/<server>.json. Payara runs inside a network namespace with only loopback (unshare), as in
# the tests: it binds every interface otherwise. Everything listens on 127.0.0.1.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RESULTS=${RESULTS:-$ROOT/bench/results/redeploy}
RUN=$ROOT/bench/run/redeploy
STREAMS=${STREAMS:-2000}
PORT=8080
REDIS_PORT=6391
SERVERS=${*:-tomcat10 tomcat11 payara}
WAR=${WAR:-$ROOT/target/herald.war}   # WAR=path/to/other.war measures another build the same way
JVM_OPTS="-Xms256m -Xmx1g -Dherald.open=true -Dherald.limits.connections-per-address=10000000 -Dherald.limits.publish-per-second=10000000 -Dherald.redis.uri=redis://127.0.0.1:$REDIS_PORT/0"
mkdir -p "$RESULTS" "$RUN"

log() { printf '%s redeploy bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if [[ ${1:-} != --inside-namespace ]]; then
    log "building the WAR, the probe and Payara Micro (mvn -o -DskipTests -DskipITs -Dit.keycloak.skip=true pre-integration-test)"
    mvn -q -o -DskipTests -DskipITs -Dit.keycloak.skip=true pre-integration-test
fi
REDIS_JAR=$(ls ~/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar | tail -1)
REDIS=$RUN/redis-server-6.2.6-v5-linux-amd64
[[ -x $REDIS ]] || (cd "$RUN" && unzip -o -q "$REDIS_JAR" redis-server-6.2.6-v5-linux-amd64 && chmod +x "$REDIS")

busy() { ss -ltn "sport = :$1" | grep -q LISTEN; }

wait_until() { # seconds, description, command...
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || { log "gave up waiting for $what after $seconds s"; return 1; }
        sleep 0.5
    done
}

answers() { [[ $(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$PORT/herald/api/health/ready") == "$1" ]]; }

start_redis() {
    rm -rf "$RUN/redis" && mkdir -p "$RUN/redis"
    "$REDIS" --bind 127.0.0.1 --port $REDIS_PORT --dir "$RUN/redis" --appendonly yes --save '' \
        > "$RUN/redis.log" 2>&1 < /dev/null &
    REDIS_PID=$!
    wait_until 30 redis busy $REDIS_PORT
}

# The probe in the background; the undeploy waits for its ready file.
start_probe() { # name
    rm -f "$RUN/ready"
    java -Xmx1g -cp target/test-classes dev.herald.bench.RedeployProbe --base "http://127.0.0.1:$PORT/herald" \
        --streams "$STREAMS" --connect-rate 500 --publish-rate 20 --ready-file "$RUN/ready" \
        --out "$RUN/$1.probe.json" > "$RUN/$1.probe.out" 2>&1 &
    PROBE_PID=$!
    wait_until 180 "the probe's streams" test -f "$RUN/ready"
}

# What the server logged from line $2 of $1 on: the counts that go into the result.
log_counts() { # file, first line
    local text
    text=$(tail -n +"$2" "$1")
    printf '"severe": %d, "leakWarnings": %d, "stackTraces": %d' \
        "$(grep -c 'SEVERE' <<< "$text" || true)" \
        "$(grep -cE 'yet to finish|memory leak|started a thread named' <<< "$text" || true)" \
        "$(grep -cE '^\s+at ' <<< "$text" || true)"
}

finish() { # name, log file, first log line
    wait "$PROBE_PID"
    python3 - "$RUN/$1.probe.json" "$RESULTS/$1.json" "$(log_counts "$2" "$3")" "$1" "$STREAMS" <<'EOF'
import json, sys
probe = json.load(open(sys.argv[1]))
counts = json.loads("{" + sys.argv[3] + "}")
result = {"server": sys.argv[4], "streams": int(sys.argv[5]), **probe, "log": counts}
json.dump(result, open(sys.argv[2], "w"), indent=2)
print(json.dumps(result))
EOF
}

tomcat() { # name, version
    local name=$1 version=$2 home
    local zip=~/.m2/repository/org/apache/tomcat/tomcat/$version/tomcat-$version.zip
    rm -rf "$RUN/$name" && mkdir -p "$RUN/$name" && (cd "$RUN/$name" && unzip -q "$zip")
    home=$RUN/$name/apache-tomcat-$version
    # stock, except: the connector on loopback, and none of the sample applications
    sed -i 's|<Connector port="8080" protocol="HTTP/1.1"|<Connector address="127.0.0.1" port="8080" protocol="HTTP/1.1"|' \
        "$home/conf/server.xml"
    grep -q 'address="127.0.0.1" port="8080"' "$home/conf/server.xml"
    rm -rf "$home/webapps/"*
    cp "$WAR" "$home/webapps/herald.war"
    start_redis
    log "$name: starting Tomcat $version with Herald on Redis"
    CATALINA_HOME=$home CATALINA_BASE=$home CATALINA_PID= CATALINA_OPTS="$JVM_OPTS" \
        setsid bash "$home/bin/catalina.sh" run > "$RUN/$name.out" 2>&1 < /dev/null &
    local server=$!
    wait_until 120 Tomcat answers 200
    start_probe "$name"
    local from
    from=$(($(wc -l < "$RUN/$name.out") + 1))
    log "$name: $STREAMS streams open; removing webapps/herald.war"
    rm "$home/webapps/herald.war"
    wait_until 60 "the undeploy" answers 404
    sleep 2
    log "$name: undeployed; copying the WAR back"
    cp "$WAR" "$home/webapps/herald.war"
    finish "$name" "$RUN/$name.out" "$from"
    kill -- "-$server" 2> /dev/null || true
    wait_until 60 "Tomcat's end" bash -c "! ss -ltn 'sport = :$PORT' | grep -q LISTEN"
    kill "$REDIS_PID"; wait "$REDIS_PID" 2> /dev/null || true
}

payara() {
    local dir=$RUN/payara
    rm -rf "$dir" && mkdir -p "$dir/herald" && (cd "$dir/herald" && unzip -q "$WAR")
    start_redis
    log "payara: starting Payara Micro with the exploded WAR, in a loopback-only namespace"
    java -Xmx1g $JVM_OPTS -jar target/payara/payara-micro.jar --nocluster --port $PORT \
        --prebootcommandfile src/test/payara/preboot.asadmin --deploy "$dir/herald" > "$RUN/payara.out" 2>&1 < /dev/null &
    local server=$!
    wait_until 300 Payara answers 200
    start_probe payara
    local from
    from=$(($(wc -l < "$RUN/payara.out") + 1))
    log "payara: $STREAMS streams open; touching .reload"
    touch "$dir/herald/.reload"
    finish payara "$RUN/payara.out" "$from"
    kill "$server"; wait "$server" 2> /dev/null || true
    kill "$REDIS_PID"; wait "$REDIS_PID" 2> /dev/null || true
}

if [[ ${1:-} == --inside-namespace ]]; then
    ip link set lo up
    payara
    exit 0
fi

for server in $SERVERS; do
    busy $PORT && { log "127.0.0.1:$PORT is busy: stop what runs there first"; exit 1; }
    case "$server" in
        tomcat10) tomcat tomcat10 "$(grep -oP '<tomcat.version>\K[^<]+' pom.xml)" ;;
        tomcat11) tomcat tomcat11 "$(grep -oP '<tomcat11.version>\K[^<]+' pom.xml)" ;;
        payara) unshare --net --map-root-user bash "$0" --inside-namespace ;;
        *) log "unknown server $server: tomcat10, tomcat11 or payara"; exit 1 ;;
    esac
done
log "done: results in $RESULTS"
