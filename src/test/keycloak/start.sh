#!/bin/sh
# Starts the one Keycloak that the integration tests of a run share (KeycloakTomcatIT, on the Tomcat 10.1 and 11
# stages), in dev mode on 127.0.0.1:PORT. Maven runs this script in the background (exec-maven-plugin, async) and
# sends it SIGTERM when Maven ends; the trap below then stops Keycloak, so no Keycloak outlives the build.
#   start.sh DIR PORT      (DIR: where the distribution was unpacked, target/keycloak)
# Keycloak 26 needs Java 21+: JAVA_HOME if it is one, else the newest /usr/lib/jvm/* that is. Without one it leaves
# the marker DIR/NO_JAVA21, says so in one line and exits 0, and the tests that need Keycloak skip.
# It writes DIR/keycloak.pid (the pid of kc.sh, whose child is Keycloak's java) and logs to DIR/keycloak.log.
set -u
dir=$1
port=$2
marker="$dir/NO_JAVA21"
pidfile="$dir/keycloak.pid"
log="$dir/keycloak.log"
home=$(ls -d "$dir"/keycloak-*/ 2>/dev/null | tail -n 1)
rm -f "$marker" "$pidfile"

# the major version of the JDK or JRE in $1, from its release file (every JDK since 9 has one), else 0
major() {
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  echo "${version:-0}"
}

java_home=
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(major "$JAVA_HOME")" -ge 21 ]; then
  java_home=$JAVA_HOME
else
  best=0
  for candidate in /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] || continue
    m=$(major "$candidate")
    if [ "$m" -ge 21 ] && [ "$m" -gt "$best" ]; then
      best=$m
      java_home=$candidate
    fi
  done
fi
if [ -z "$java_home" ]; then
  touch "$marker"
  echo "Keycloak needs Java 21+: none found (JAVA_HOME, /usr/lib/jvm/*); the tests that need Keycloak are skipped"
  exit 0
fi

if [ -z "$home" ] || [ ! -x "${home}bin/kc.sh" ]; then
  echo "Keycloak: no distribution unpacked in $dir" >&2
  exit 1
fi
# every run starts from an empty database (H2 in data/): the tests create their realms, nothing is left from before
rm -rf "$home/data"
echo "Keycloak: starting on http://127.0.0.1:$port with $java_home, log in $log"

export JAVA_HOME="$java_home"
export KC_BOOTSTRAP_ADMIN_USERNAME=admin
export KC_BOOTSTRAP_ADMIN_PASSWORD=admin
# kc.sh's own default outside a container; in one it would take 70% of the memory, on a machine the stages share
export JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m"
echo "start.sh: kc.sh start-dev at $(date -u +%H:%M:%S)" >"$log"
"${home}bin/kc.sh" start-dev --http-port "$port" --http-host 127.0.0.1 >>"$log" 2>&1 </dev/null &
kc=$!
echo "$kc" >"$pidfile"

# kc.sh runs java as its child and forwards TERM to it; a test may have frozen that java (SIGSTOP, to see Herald
# without its key provider), and a frozen process acts on TERM only once continued
stop() {
  trap - TERM INT HUP
  for child in $(pgrep -P "$kc"); do
    kill -CONT "$child" 2>/dev/null
  done
  kill -CONT "$kc" 2>/dev/null
  kill -TERM "$kc" 2>/dev/null
  wait "$kc"
  exit 143
}
trap stop TERM INT HUP
wait "$kc"
status=$?
echo "Keycloak ended with status $status; see $log"
exit 0
