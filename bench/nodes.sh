# Sourced by bench/cluster.sh and bench/failover.sh: Herald nodes in the integration tests' Tomcat 10.1 (each its own
# catalina.base, copied from the cluster tests') and a redis-server (the binary in embedded-redis), all on 127.0.0.1,
# each in a process group of its own, listed in PGIDS for stop_all. Expects ROOT, RUN, REDIS_PORT, JVM_OPTS and a
# log function; prepare_nodes sets TOMCAT.

busy() { ss -ltn "sport = :$1" | grep -q LISTEN; }

prepare_nodes() {
    log "building the WAR, the load tool and the Tomcat bases (mvn -o -DskipTests -DskipITs -Dit.keycloak.skip=true pre-integration-test)"
    mvn -q -o -DskipTests -DskipITs -Dit.keycloak.skip=true pre-integration-test
    TOMCAT=$(ls -d "$ROOT"/target/tomcat/apache-tomcat-*)
    local jar
    jar=$(ls ~/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar | tail -1)
    (cd "$RUN" && unzip -o -q "$jar" redis-server-6.2.6-v5-linux-amd64 && chmod +x redis-server-6.2.6-v5-linux-amd64)
    PGIDS=()
}

stop_all() { # ports to wait for, when given
    for pgid in "${PGIDS[@]}"; do kill -- "-$pgid" 2>/dev/null || true; done
    for port in "$@"; do
        local deadline=$((SECONDS + 30))
        while busy "$port"; do
            ((SECONDS < deadline)) || { log "port $port still busy"; break; }
            sleep 1
        done
    done
    PGIDS=()
}

start_redis() { # sets REDIS_PID; REDIS_EXTRA: more redis-server options
    rm -rf "$RUN/redis" && mkdir -p "$RUN/redis"
    setsid "$RUN/redis-server-6.2.6-v5-linux-amd64" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$RUN/redis" \
        --appendonly yes --save '' ${REDIS_EXTRA:-} > "$RUN/redis.log" 2>&1 < /dev/null &
    PGIDS+=($!)
    REDIS_PID=$!
    local deadline=$((SECONDS + 30))
    until busy "$REDIS_PORT"; do ((SECONDS < deadline)) || { log "redis did not start"; exit 1; }; sleep 0.2; done
}

start_node() { # name, port, extra JVM options, WAR (target/herald.war when not given); sets NODE_PID
    local name=$1 port=$2 extra=$3 war=${4:-$ROOT/target/herald.war} base=$RUN/$1
    rm -rf "$base" && cp -r "$ROOT/target/cluster/node-a" "$base"
    rm -rf "$base/webapps/"* "$base/work" "$base/logs/"*
    cp "$war" "$base/webapps/herald.war"
    CATALINA_HOME=$TOMCAT CATALINA_BASE=$base CATALINA_PID= \
        JAVA_OPTS="$JVM_OPTS -Dherald.node.port=$port $extra" \
        setsid bash "$TOMCAT/bin/catalina.sh" run > "$RUN/$name.out" 2>&1 < /dev/null &
    PGIDS+=($!)
    local deadline=$((SECONDS + 120))
    until curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/herald/api/health/ready"; do
        ((SECONDS < deadline)) || { log "$name did not start"; exit 1; }
        sleep 1
    done
    NODE_PID=$(pgrep -f -- "-Dcatalina.base=$base " | head -1)
}
