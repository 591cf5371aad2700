# Shared by the peers' start and stop scripts (sourced, not run).
RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/run
mkdir -p "$RUN_DIR"

log() { printf '%s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

port_busy() { # port: true when something on 127.0.0.1 accepts a connection there
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

wait_for_port() { # port, pid, seconds: until the port answers, the process dies, or the time is up
    local deadline=$((SECONDS + $3))
    until port_busy "$1"; do
        kill -0 "$2" 2> /dev/null || return 1
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

stop_group() { # pid file holding the process group id of a peer started with setsid
    local file=$1 pgid
    [[ -f $file ]] || { log "not running (no $file)"; return 0; }
    pgid=$(< "$file")
    if kill -TERM -- "-$pgid" 2> /dev/null; then
        local deadline=$((SECONDS + 20))
        while kill -0 -- "-$pgid" 2> /dev/null && ((SECONDS < deadline)); do sleep 0.2; done
        if kill -0 -- "-$pgid" 2> /dev/null; then
            log "process group $pgid still there after 20 s: SIGKILL"
            kill -KILL -- "-$pgid" 2> /dev/null || true
        fi
        log "stopped process group $pgid"
    else
        log "process group $pgid was not running"
    fi
    rm -f "$file"
}
