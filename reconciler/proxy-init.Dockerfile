# The `istio-init` image: the traffic capture setup the Mesh construct injects runs
# `/bin/sh -c <iptables rules>` as root with NET_ADMIN and NET_RAW, then exits. It needs a shell
# and iptables, nothing of the mesh; the reconciler image carries neither.
#   docker build -t cdk8s-mesh-proxy-init - < reconciler/proxy-init.Dockerfile   (no context: it copies nothing)
ARG DEBIAN_IMAGE=debian:bookworm-slim
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends iptables \
  && rm -rf /var/lib/apt/lists/*
