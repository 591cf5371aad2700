#!/usr/bin/env bash
# Installs what the benchmark's peers and charts need on Debian 12, skipping what is there:
# nginx with Nchan, Node.js (if absent) and the Express peer's packages, and matplotlib for bench/chart.py.
# Debian packages need root; as another user this says which are missing.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'install: %s\n' "$*" >&2; }

missing=()
for pkg in nginx libnginx-mod-nchan python3-matplotlib; do
    dpkg-query -W -f='${Status}' "$pkg" 2> /dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
command -v node > /dev/null && command -v npm > /dev/null || missing+=(nodejs npm)

if ((${#missing[@]} > 0)); then
    if ((EUID != 0)); then
        log "missing Debian packages: ${missing[*]}; as root: apt-get update && apt-get install -y ${missing[*]}"
        exit 1
    fi
    nginx_was_running=false
    [[ -f /run/nginx.pid ]] && kill -0 "$(< /run/nginx.pid)" 2> /dev/null && nginx_was_running=true
    log "apt-get install ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    # The package starts Debian's own nginx on port 80 where services may start; the benchmark runs its own.
    if ! $nginx_was_running && [[ -f /run/nginx.pid ]] && kill -0 "$(< /run/nginx.pid)" 2> /dev/null; then
        log "stopping the nginx service the package started"
        if [[ -d /run/systemd/system ]]; then
            systemctl stop nginx
            systemctl disable nginx 2> /dev/null || true
        else
            nginx -s stop
        fi
    fi
else
    log "Debian packages present: nginx, libnginx-mod-nchan, python3-matplotlib, node $(node --version)"
fi

[[ -f /usr/lib/nginx/modules/ngx_nchan_module.so ]] || { log "no /usr/lib/nginx/modules/ngx_nchan_module.so"; exit 1; }

if [[ express/node_modules/.package-lock.json -nt express/package-lock.json ]]; then
    log "Express peer's packages present"
else
    log "npm ci in bench/peers/express"
    (cd express && npm ci --no-audit --no-fund)
fi

if (($(ulimit -Hn) < 20000)); then
    log "warning: open files are limited to $(ulimit -Hn); holding 19,000 streams needs 20,000 (ulimit -Hn)"
fi
log "done"
