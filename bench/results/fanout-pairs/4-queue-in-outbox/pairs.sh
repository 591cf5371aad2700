#!/usr/bin/env bash
# The pairs of 2026-11-30, as run: the landed base (35e4685, built in /tmp/baseline) against this change (built in
# /tmp/c-new), alternating, each on a fresh Tomcat of `mvn -Prun`, one load tool (this change's) for both.
#   bash pairs.sh                        # fan-out: 2,000 events as fast as possible (rounds 1-3, then ROUNDS="4 5")
#   KIND=fixed ROUNDS="1 2" bash pairs.sh  # fan-out at 30 events/s, then steady (2 events/s) on the same server
#   (steady round 3 ran as KIND=fixed ROUNDS=3 without the fan-out at 30 events/s before it)
set -u
LT="java -Xmx3g -cp /tmp/c-new/target/test-classes dev.herald.bench.LoadTool --target herald --base http://127.0.0.1:8080"
for i in ${ROUNDS:-1 2 3}; do
for side in ${SIDES:-base new}; do
  dir=/tmp/baseline; [[ $side != base ]] && dir=/tmp/c-$side
  cd $dir
  (setsid mvn -o -Prun -Dherald.run.jvmargs="-Xms256m -Xmx2g" > /tmp/pairs/run-$side.log 2>&1 &)
  for k in $(seq 1 90); do sleep 2; curl -s -o /dev/null -m 2 http://127.0.0.1:8080/herald/api/health/ready && break; done
  PID=$(pgrep -f -- "-Dcatalina.base=$dir/target/cargo-tomcat" | head -1)
  $LT --label warm --subscribers 1000 --connect-rate 1000 --events 200 --rate 0 --quiet > /dev/null
  sleep 2
  if [[ ${KIND:-fan} == fan ]]; then
    $LT --label fan --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 2000 --rate 0 \
        --publishers 4 --drain-seconds 120 --out /tmp/pairs/fan-$side-$i.json > /dev/null
  else
    $LT --label fan30 --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 1200 \
        --rate 30 --publishers 4 --drain-seconds 120 --out /tmp/pairs/fan30-$side-$i.json > /dev/null
    sleep 3
    $LT --label steady --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 120 \
        --rate 2 --out /tmp/pairs/steady-$side-$i.json > /dev/null
  fi
  pkill -f "cargo-tomcat"; pkill -f "Prun"; sleep 5
done
done
