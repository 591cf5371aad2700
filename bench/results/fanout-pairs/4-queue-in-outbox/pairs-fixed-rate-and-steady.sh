#!/usr/bin/env bash
# after the fan-out pairs: fan-out at a fixed 30 events/s, and steady (2 events/s), base and new alternating
set -u
for k in $(seq 1 200); do [[ -f /tmp/pairs/done ]] && break; sleep 10; done
for i in ${ROUNDS:-1 2}; do
for side in ${SIDES:-base new}; do
  dir=/tmp/baseline; [[ $side != base ]] && dir=/tmp/c-$side
  cd $dir
  (setsid mvn -o -Prun -Dherald.run.jvmargs="-Xms256m -Xmx2g" > /tmp/pairs/run2-$side.log 2>&1 &)
  for k in $(seq 1 90); do sleep 2; curl -s -o /dev/null -m 2 http://127.0.0.1:8080/herald/api/health/ready && break; done
  PID=$(pgrep -f -- "-Dcatalina.base=$dir/target/cargo-tomcat" | head -1)
  LT="java -Xmx3g -cp /tmp/c-new/target/test-classes dev.herald.bench.LoadTool --target herald --base http://127.0.0.1:8080"
  $LT --label warm --subscribers 1000 --connect-rate 1000 --events 200 --rate 0 --quiet > /dev/null
  sleep 2
  $LT --label fan30 --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 1200 --rate 30 --publishers 4 --drain-seconds 120 --out /tmp/pairs/fan30-$side-$i.json > /dev/null
  sleep 3
  $LT --label steady --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 120 --rate 2 --out /tmp/pairs/steady-$side-$i.json > /dev/null
  pkill -f "cargo-tomcat"; pkill -f "Prun"; sleep 5
done
done
echo done > /tmp/pairs/done2
