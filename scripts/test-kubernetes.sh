#!/usr/bin/env bash
# Runs the Kubernetes suite (test/kubernetes): a real kube-apiserver, controllers and etcd, pods
# run by the suite's node agent, real Envoy and iptables. It first installs or builds what the suite
# needs, then runs jest inside network and PID namespaces of its own (`unshare`): the routes and
# iptables rules it creates never touch this machine's network, and no process outlives the run.
# Without arguments, the whole suite runs as two such jest processes at once (below).
#
#   scripts/test-kubernetes.sh [jest arguments, e.g. test/kubernetes/rbac.test.ts]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

[ "$(id -u)" = 0 ] || { echo "the Kubernetes suite runs pods in network namespaces of their own and needs root" >&2; exit 1; }

# iptables (Debian's, nf_tables backend): the service proxy and the pods' traffic capture use it.
if ! command -v iptables-restore >/dev/null 2>&1; then
  echo "installing iptables" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iptables >&2
fi

# Built from the Go module proxy once per machine (cached by version), before the network goes away.
scripts/test-binaries/ensure.sh etcd kube-apiserver kube-controller-manager kubectl prometheus promtool kiali pilot-discovery pilot-agent >/dev/null
ENVOY_BIN="$(scripts/ensure-envoy.sh)"
export ENVOY_BIN

# The reconciler image runs the built CLI: build it when it is missing or older than its sources.
cli=reconciler/build/reconciler/src/cli.js
if [ ! -f "$cli" ] || [ -n "$(find reconciler/src src/model -name '*.ts' -newer "$cli" -print -quit)" ]; then
  [ -d reconciler/node_modules ] || npm ci --prefix reconciler --no-audit --no-fund
  npm run --prefix reconciler build
fi

# One jest run in network, PID and mount namespaces of its own. sh stays PID 1 of the new PID
# namespace (it reaps orphans); when it exits, the kernel ends every process left in the
# namespace. --forceExit: a leaked process must fail the leak test, not hang CI.
in_namespaces() {
  unshare --net --pid --fork --mount-proc -- sh -c '
    ip link set lo up
    CDK8S_MESH_TEST_NETNS=1 "$0" --runInBand --coverage=false --forceExit --testPathIgnorePatterns=/node_modules/ --testTimeout=300000 "$@"
  ' "$root/node_modules/.bin/jest" "$@"
}

if [ $# -gt 0 ]; then
  in_namespaces "$@"
  exit
fi

# The whole suite runs as two jest processes at once: one file at a time left a core idle (the
# suite used 0.86 CPU seconds per second). istiod as the oracle (differential/, half the suite's
# time) runs beside every other file. Each has namespaces of its own, so their ports, pod
# addresses, /etc/hosts and processes never meet. The second one's output follows the first's.
others_log="$(mktemp)"
in_namespaces test/kubernetes --testPathIgnorePatterns=/differential/ >"$others_log" 2>&1 &
others=$!
oracle_status=0
in_namespaces test/kubernetes/differential || oracle_status=$?
others_status=0
wait "$others" || others_status=$?
cat "$others_log"
rm -f "$others_log"
echo "Kubernetes suite: istiod as the oracle exited $oracle_status, the other files $others_status" >&2
[ "$oracle_status" = 0 ] && [ "$others_status" = 0 ]
