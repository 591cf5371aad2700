#!/usr/bin/env bash
# alternating fan-out pairs: base (35e4685) against new; JSON per run in /tmp/pairs
set -u
for i in ${ROUNDS:-1 2 3}; do
for side in ${SIDES:-base new}; do
  dir=/tmp/baseline; [[ $side != base ]] && dir=/tmp/c-$side
  cd $dir
  (setsid mvn -o -Prun -Dherald.run.jvmargs="-Xms256m -Xmx2g" > /tmp/pairs/run-$side.log 2>&1 &)
  for k in $(seq 1 90); do sleep 2; curl -s -o /dev/null -m 2 http://127.0.0.1:8080/herald/api/health/ready && break; done
  PID=$(pgrep -f -- "-Dcatalina.base=$dir/target/cargo-tomcat" | head -1)
  java -cp /tmp/c-new/target/test-classes dev.herald.bench.LoadTool --label warm --target herald --base http://127.0.0.1:8080 --subscribers 1000 --connect-rate 1000 --events 200 --rate 0 --quiet > /dev/null
  sleep 2
  java -Xmx3g -cp /tmp/c-new/target/test-classes dev.herald.bench.LoadTool --label fan --target herald --base http://127.0.0.1:8080 --server-pid $PID --jvm --selectors 2 --subscribers 10000 --connect-rate 2000 --events 2000 --rate 0 --publishers 4 --drain-seconds 120 --out /tmp/pairs/fan-$side-$i.json > /dev/null
  pkill -f "cargo-tomcat"; pkill -f "Prun"; sleep 5
done
done
echo done > /tmp/pairs/done
