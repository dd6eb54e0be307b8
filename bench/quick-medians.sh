#!/bin/bash
# median of 5: new-instance manage start (docker, native) and status --json with one instance
R="$(cd "$(dirname "$0")/.." && pwd)/bin/resource-postgres"
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; local rc=$?; echo $(( ($(date +%s%N)-s)/1000000 )); return $rc; }
for engine in docker native; do
  H=$(mktemp -d); extra=(); [ $engine = docker ] && extra=(--image resource-postgres-test:17)
  starts=(); for i in 1 2 3 4 5; do starts+=($(ms $R --home $H manage start --instance m$i --engine $engine "${extra[@]}")); done
  for i in 2 3 4 5; do $R --home $H manage uninstall --instance m$i --force >/dev/null 2>&1; done
  st=(); for i in 1 2 3 4 5; do st+=($(ms $R --home $H status --json)); done
  echo "$engine: new instance to ready: ${starts[*]} -> median $(printf '%s\n' "${starts[@]}" | med) ms; status --json (1 instance): ${st[*]} -> median $(printf '%s\n' "${st[@]}" | med) ms"
  $R --home $H manage uninstall --force >/dev/null 2>&1; rm -rf $H
done
