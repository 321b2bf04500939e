#!/usr/bin/env bash
# Runs every benchmark figure, repeats each, and writes bench/results.json and BENCHMARKS.md.
# Scales are env vars (defaults finish in under 10 minutes on 2 cores); any figure can be run alone:
#   bash bench/run.sh                 # everything
#   bash bench/run.sh cold-start vs-edit
#   COLD_PROXIES=1000 bash bench/run.sh cold-start
#   bash bench/run.sh vs-istiod     # the reconciler beside istiod on one API server (root: it uses a network namespace)
#   VS_ISTIOD_MANY_PROXIES=1000 VS_ISTIOD_VARIANTS=many-proxies bash bench/run.sh vs-istiod   # one variant only
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

RUNS="${RUNS:-3}"
SYNTH_SERVICES="${SYNTH_SERVICES:-1000}"
COLD_SERVICES="${COLD_SERVICES:-1000}"
COLD_PROXIES="${COLD_PROXIES:-50}"
EDIT_SERVICES="${EDIT_SERVICES:-100}"
EDIT_PROXIES="${EDIT_PROXIES:-20}"
EDIT_COUNT="${EDIT_COUNT:-50}"
CHURN_SERVICES="${CHURN_SERVICES:-100}"
CHURN_PROXIES="${CHURN_PROXIES:-20}"
CHURN_RATE="${CHURN_RATE:-40}"
CHURN_SECONDS="${CHURN_SECONDS:-10}"
STORM_SERVICES="${STORM_SERVICES:-100}"
STORM_PROXIES="${STORM_PROXIES:-300}"
SCOPING_SERVICES="${SCOPING_SERVICES:-1000}"
SCOPING_DEPENDENCIES="${SCOPING_DEPENDENCIES:-5}"
REAL_SERVICES="${REAL_SERVICES:-1000}"
REAL_ENVOYS="${REAL_ENVOYS:-5}"
TELEMETRY_SERVICES="${TELEMETRY_SERVICES:-1000}"
TELEMETRY_PROXIES="${TELEMETRY_PROXIES:-1000}"
TELEMETRY_SECONDS="${TELEMETRY_SECONDS:-60}"
VS_ISTIOD_SERVICES="${VS_ISTIOD_SERVICES:-200}"
VS_ISTIOD_PROXIES="${VS_ISTIOD_PROXIES:-100}"
VS_ISTIOD_EDITS="${VS_ISTIOD_EDITS:-50}"
VS_ISTIOD_IDLE_SECONDS="${VS_ISTIOD_IDLE_SECONDS:-30}"
VS_ISTIOD_DEPENDENCIES="${VS_ISTIOD_DEPENDENCIES:-5}"
VS_ISTIOD_CHURN_RATE="${VS_ISTIOD_CHURN_RATE:-40}"
VS_ISTIOD_CHURN_SECONDS="${VS_ISTIOD_CHURN_SECONDS:-60}"
VS_ISTIOD_MANY_PROXIES="${VS_ISTIOD_MANY_PROXIES:-0}"
# unscoped, sidecar, many-proxies (reconciler/bench/vs-istiod/variants.ts); empty: every one the scale allows
VS_ISTIOD_VARIANTS="${VS_ISTIOD_VARIANTS:-}"

figures=("$@")
[ ${#figures[@]} -eq 0 ] && figures=(synth cold-start vs-edit endpoint-churn reconnect-storm scoping real-envoy telemetry)

echo "compiling benchmarks" >&2
npx tsc -p bench/tsconfig.json
(cd reconciler && npx tsc -p bench/tsconfig.json && node scripts/cache-crds.mjs)
synth="node bench/.build/bench/synth/synth-figure.js"
plane="node reconciler/bench/.build/reconciler/bench/main.js"
report="node reconciler/bench/.build/reconciler/bench/report.js"

runs_file=bench/runs.jsonl
: >"$runs_file"

repeat() {
  local label="$1"; shift
  for run in $(seq 1 "$RUNS"); do
    echo "$label: run $run/$RUNS" >&2
    "$@" >>"$runs_file"
  done
}

for figure in "${figures[@]}"; do
  case "$figure" in
    synth) repeat synth $synth "$SYNTH_SERVICES" ;;
    cold-start) repeat cold-start $plane cold-start --services "$COLD_SERVICES" --proxies "$COLD_PROXIES" --flavour delta ;;
    vs-edit) repeat vs-edit $plane vs-edit --services "$EDIT_SERVICES" --proxies "$EDIT_PROXIES" --edits "$EDIT_COUNT" --flavour delta ;;
    endpoint-churn)
      for flavour in delta sotw; do
        repeat "endpoint-churn ($flavour)" $plane endpoint-churn --services "$CHURN_SERVICES" --proxies "$CHURN_PROXIES" \
          --rate "$CHURN_RATE" --seconds "$CHURN_SECONDS" --flavour "$flavour"
      done ;;
    reconnect-storm) repeat reconnect-storm $plane reconnect-storm --services "$STORM_SERVICES" --proxies "$STORM_PROXIES" --flavour delta ;;
    scoping) repeat scoping $plane scoping --services "$SCOPING_SERVICES" --dependencies "$SCOPING_DEPENDENCIES" ;;
    real-envoy) repeat real-envoy $plane real-envoy --services "$REAL_SERVICES" --envoys "$REAL_ENVOYS" ;;
    vs-istiod)
      # istiod and the Kubernetes binaries are built (cached) before the network goes away; the run
      # alternates the sides itself, so it is one process, in a network and PID namespace of its own.
      [ "$(id -u)" = 0 ] || { echo "vs-istiod runs kube-apiserver in a network namespace of its own and needs root" >&2; exit 1; }
      scripts/test-binaries/ensure.sh etcd kube-apiserver kube-controller-manager kubectl pilot-discovery >/dev/null
      ENVOY_BIN="$(scripts/ensure-envoy.sh)" unshare --net --pid --fork --mount-proc -- sh -c 'ip link set lo up; CDK8S_MESH_TEST_NETNS=1 exec "$@"' sh \
        node reconciler/bench/.build/reconciler/bench/vs-istiod/main.js --runs "$RUNS" --services "$VS_ISTIOD_SERVICES" \
        --proxies "$VS_ISTIOD_PROXIES" --edits "$VS_ISTIOD_EDITS" --idle-seconds "$VS_ISTIOD_IDLE_SECONDS" \
        --churn-rate "$VS_ISTIOD_CHURN_RATE" --churn-seconds "$VS_ISTIOD_CHURN_SECONDS" --many-proxies "$VS_ISTIOD_MANY_PROXIES" \
        --dependencies "$VS_ISTIOD_DEPENDENCIES" --variants "$VS_ISTIOD_VARIANTS" >>"$runs_file" ;;
    telemetry) repeat telemetry $plane telemetry --services "$TELEMETRY_SERVICES" --proxies "$TELEMETRY_PROXIES" --seconds "$TELEMETRY_SECONDS" ;;
    *) echo "unknown figure '$figure'; known: synth cold-start vs-edit endpoint-churn reconnect-storm scoping real-envoy telemetry vs-istiod" >&2; exit 2 ;;
  esac
done

$report "$runs_file" bench/results.json BENCHMARKS.md bench/causes.md
echo "wrote bench/results.json and BENCHMARKS.md" >&2
