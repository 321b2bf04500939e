#!/usr/bin/env bash
# Makes the real control-plane binaries the Kubernetes and observatory suites run available, building
# them from the Go module proxy at pinned versions, and prints one `name=path` line per binary asked for.
#
#   scripts/test-binaries/ensure.sh kube-apiserver kube-controller-manager kubectl etcd
#   scripts/test-binaries/ensure.sh kubectl-yaml    (the reconciler's YAML oracle)
#   scripts/test-binaries/ensure.sh prometheus promtool
#   scripts/test-binaries/ensure.sh kiali
#   scripts/test-binaries/ensure.sh istioctl          (istioctl analyze, compared with the synth-time checks)
#   scripts/test-binaries/ensure.sh pilot-discovery pilot-agent   (istiod and its agent, measured and compared beside the reconciler)
#
# Binaries are cached by version under $CDK8S_MESH_CACHE (default ~/.cache/cdk8s-mesh), so a second run
# (or a fresh clone on the same machine) skips the build. A build is serialized by a lock per module, so
# parallel test workers never build the same thing twice.
set -euo pipefail

KUBERNETES_VERSION=v1.36.3
ETCD_VERSION=v3.7.3
PROMETHEUS_VERSION=v0.316.0
# istio.io/istio publishes no semver tags on the module proxy, only master pseudo-versions (this one reports 1.31).
ISTIO_VERSION=v0.0.0-20260827124520-eed52ebb66ad

cache="${CDK8S_MESH_CACHE:-$HOME/.cache/cdk8s-mesh}"
bin_dir="$cache/bin"
mkdir -p "$bin_dir" "$cache/modules"

command -v go >/dev/null || { echo "go is not on PATH: the Kubernetes suites build their binaries with it" >&2; exit 1; }

# k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces its staging modules with local
# directories. A module of our own requires it and points every staging module at its published copy.
build_kubernetes() {
  local module="$cache/modules/kubernetes-$KUBERNETES_VERSION"
  local staging="v0.${KUBERNETES_VERSION#v1.}"
  mkdir -p "$module"
  (
    cd "$module"
    go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" >/dev/null
    local upstream_mod
    upstream_mod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBERNETES_VERSION.mod"
    {
      echo "module cdk8s-mesh.test/kubernetes"
      echo
      echo "go $(awk '/^go /{print $2; exit}' "$upstream_mod")"
      echo
      echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
      echo
      echo "replace ("
      # Only staging modules that k8s.io/kubernetes requires: replace-only entries
      # (k8s.io/sample-cli-plugin) are not served by the proxy.
      for staged in $(grep -E '=> \./staging/src/' "$upstream_mod" | awk '{print $1}'); do
        if grep -qE "^[[:space:]]+$staged v0\.0\.0( |$)" "$upstream_mod"; then
          echo "	$staged => $staged $staging"
        fi
      done
      echo ")"
    } > go.mod
    printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > tools.go
    go mod tidy >&2
    local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION"
    for command in kube-apiserver kube-controller-manager kubectl; do
      CGO_ENABLED=0 go build -trimpath -ldflags="$ldflags" -o "$bin_dir/$command-$KUBERNETES_VERSION.tmp" "k8s.io/kubernetes/cmd/$command" >&2
      mv "$bin_dir/$command-$KUBERNETES_VERSION.tmp" "$bin_dir/$command-$KUBERNETES_VERSION"
    done
  )
}

# etcd's server module also replaces its siblings with local paths: the same approach.
build_etcd() {
  local module="$cache/modules/etcd-$ETCD_VERSION"
  mkdir -p "$module"
  (
    cd "$module"
    printf 'module cdk8s-mesh.test/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" > go.mod
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
    go mod tidy >&2
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$bin_dir/etcd-$ETCD_VERSION.tmp" go.etcd.io/etcd/server/v3 >&2
    mv "$bin_dir/etcd-$ETCD_VERSION.tmp" "$bin_dir/etcd-$ETCD_VERSION"
  )
}

# The reconciler's YAML oracle: a small program of ours that reads YAML through kubectl's own code
# (k8s.io/cli-runtime at the staging version of $KUBERNETES_VERSION, pinned with its go.sum). Its
# cache name carries a hash of its sources, so an edit of the program builds it again.
KUBECTL_YAML_SOURCE="$(cd "$(dirname "$0")/../.." && pwd)/reconciler/test/support/kubectl-yaml"
kubectl_yaml_file() {
  local digest
  digest="$(cat "$KUBECTL_YAML_SOURCE/main.go" "$KUBECTL_YAML_SOURCE/go.mod" "$KUBECTL_YAML_SOURCE/go.sum" | sha256sum | cut -c1-12)"
  echo "kubectl-yaml-v0.${KUBERNETES_VERSION#v1.}-$digest"
}
build_kubectl_yaml() {
  local file
  file="$(kubectl_yaml_file)"
  (
    cd "$KUBECTL_YAML_SOURCE"
    CGO_ENABLED=0 go build -buildvcs=false -trimpath -ldflags='-s -w' -o "$bin_dir/$file.tmp" . >&2
    mv "$bin_dir/$file.tmp" "$bin_dir/$file"
  )
}

# Prometheus installs straight from the proxy; `netgo` avoids cgo, and the web UI assets are not
# embedded (the HTTP API, which the tests use, works without them).
build_prometheus() {
  local staging="$cache/modules/prometheus-$PROMETHEUS_VERSION"
  mkdir -p "$staging"
  for command in prometheus promtool; do
    GOBIN="$staging" CGO_ENABLED=0 go install -tags netgo "github.com/prometheus/prometheus/cmd/$command@$PROMETHEUS_VERSION" >&2
    mv "$staging/$command" "$bin_dir/$command-$PROMETHEUS_VERSION"
  done
}

# Kiali cannot be `go install`ed either (its go.mod has a replace): the module of ours beside this
# script requires it, repeats the replace and pins everything with its go.sum. The version is read
# from that go.mod, the one place it is written.
KIALI_MODULE="$(cd "$(dirname "$0")" && pwd)/kiali"
KIALI_VERSION="$(awk '$1 == "require" && $2 == "github.com/kiali/kiali" { print $3 }' "$KIALI_MODULE/go.mod")"
build_kiali() {
  (
    cd "$KIALI_MODULE"
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$bin_dir/kiali-$KIALI_VERSION.tmp" github.com/kiali/kiali >&2
    mv "$bin_dir/kiali-$KIALI_VERSION.tmp" "$bin_dir/kiali-$KIALI_VERSION"
  )
}

# istioctl (the analyzers the synth-time checks are compared with), pilot-discovery (istiod, the control
# plane measured beside ours) and pilot-agent (its certificate client) install straight from the proxy:
# istio.io/istio's go.mod has no replace directives. All three come from one pinned version.
istio_package() {
  case "$1" in
    istioctl) echo istio.io/istio/istioctl/cmd/istioctl ;;
    pilot-discovery|pilot-agent) echo "istio.io/istio/pilot/cmd/$1" ;;
  esac
}
build_istio() {
  local staging="$cache/modules/istio-$ISTIO_VERSION"
  mkdir -p "$staging"
  GOBIN="$staging" CGO_ENABLED=0 go install -trimpath -ldflags='-s -w' "$(istio_package "$1")@$ISTIO_VERSION" >&2
  mv "$staging/$1" "$bin_dir/$1-$ISTIO_VERSION"
}

# name → "versioned file name" and "builder".
binary_file() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kubectl) echo "$1-$KUBERNETES_VERSION" ;;
    etcd) echo "etcd-$ETCD_VERSION" ;;
    kubectl-yaml) kubectl_yaml_file ;;
    prometheus|promtool) echo "$1-$PROMETHEUS_VERSION" ;;
    kiali) echo "kiali-$KIALI_VERSION" ;;
    istioctl|pilot-discovery|pilot-agent) echo "$1-$ISTIO_VERSION" ;;
    *) echo "unknown test binary '$1': known are kube-apiserver, kube-controller-manager, kubectl, etcd, kubectl-yaml, prometheus, promtool, kiali, istioctl, pilot-discovery, pilot-agent" >&2; return 1 ;;
  esac
}
binary_builder() {
  case "$1" in
    kube-apiserver|kube-controller-manager|kubectl) echo build_kubernetes ;;
    etcd) echo build_etcd ;;
    kubectl-yaml) echo build_kubectl_yaml ;;
    prometheus|promtool) echo build_prometheus ;;
    kiali) echo build_kiali ;;
    istioctl|pilot-discovery|pilot-agent) echo build_istio ;;
  esac
}

[ "$#" -gt 0 ] || { echo "usage: $0 NAME... (kube-apiserver kube-controller-manager kubectl etcd kubectl-yaml prometheus promtool kiali istioctl pilot-discovery pilot-agent)" >&2; exit 2; }
for name in "$@"; do
  file="$(binary_file "$name")"
  if [ ! -x "$bin_dir/$file" ]; then
    builder="$(binary_builder "$name")"
    (
      flock 9
      # Another worker may have built it while this one waited for the lock.
      if [ ! -x "$bin_dir/$file" ]; then
        echo "building $file (cached in $bin_dir; once per machine)" >&2
        started=$(date +%s)
        "$builder" "$name"
        echo "built $file in $(( $(date +%s) - started )) s" >&2
      fi
    ) 9>"$cache/$builder.lock"
  fi
  echo "$name=$bin_dir/$file"
done
