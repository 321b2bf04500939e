/** Pods that exercise the node agent the way the kubelet would be exercised, as YAML to apply. */

export const AGENT_NAMESPACE = 'agent-test';

/** The workload test server's image and a tools image: both map to programs of this machine. */
const SERVER_IMAGE = 'example/server:1.0';
const TOOLS_IMAGE = 'example/tools:1.0';

/**
 * One pod with everything a pod spec can ask of the kubelet: init containers in order, a native
 * sidecar the next init container waits for, `$(VAR)` expansion with `$$` escaping, downward API
 * and ConfigMap/Secret env, users, a working directory, and ConfigMap, Secret, projected and
 * emptyDir volumes mounted where the node has no such directories.
 */
export const SEMANTICS_POD = `
apiVersion: v1
kind: Namespace
metadata: {name: ${AGENT_NAMESPACE}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: worker, namespace: ${AGENT_NAMESPACE}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${AGENT_NAMESPACE}}
data: {greeting: hello, unused: x}
---
apiVersion: v1
kind: Secret
metadata: {name: credentials, namespace: ${AGENT_NAMESPACE}}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata:
  name: semantics
  namespace: ${AGENT_NAMESPACE}
  labels: {app: semantics, tier: test}
spec:
  serviceAccountName: worker
  automountServiceAccountToken: false
  securityContext: {runAsNonRoot: true}
  terminationGracePeriodSeconds: 5
  volumes:
  - {name: work, emptyDir: {}}
  - name: settings
    configMap: {name: settings, items: [{key: greeting, path: nested/greeting.txt, mode: 0600}]}
  - {name: credentials, secret: {secretName: credentials}}
  - name: identity
    projected:
      sources:
      - serviceAccountToken: {audience: istio-ca, expirationSeconds: 600, path: token}
      - downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
  initContainers:
  - name: first
    image: ${TOOLS_IMAGE}
    command: [/bin/sh, -c, 'umask 0; echo first >> /work/order; id -u > /work/first-uid']
    securityContext: {runAsUser: 2000}
    volumeMounts: [{name: work, mountPath: /work}]
  - name: sidecar
    image: ${SERVER_IMAGE}
    restartPolicy: Always
    ports: [{containerPort: 8081}]
    startupProbe: {httpGet: {path: /, port: 8081}, periodSeconds: 1, failureThreshold: 30}
  - name: after-sidecar
    image: ${TOOLS_IMAGE}
    command: [/bin/sh, -c, 'curl -sf http://127.0.0.1:8081/ > /dev/null && echo after-sidecar >> /work/order']
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: ${TOOLS_IMAGE}
    command: [/bin/sh, -c, 'echo app >> /work/order; printf "%s\\n" "$@" > /work/args; env > /work/env; pwd > /work/pwd; exec sleep 3600', sh]
    args: ['$(POD_NAME)-$(GREETING)', '$$(POD_NAME)', '$(UNDEFINED)']
    workingDir: /var/run/secrets/agent-test
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: HOST_IP, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: ACCOUNT, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: credentials, key: password}}}
    - {name: COMPOSED, value: '$(GREETING)-$(POD_NAME)'}
    readinessProbe: {exec: {command: [test, -f, /work/args]}, periodSeconds: 1}
    volumeMounts:
    - {name: work, mountPath: /work}
    - {name: settings, mountPath: /etc/agent-test/settings, readOnly: true}
    - {name: credentials, mountPath: /var/run/agent-test/credentials, readOnly: true}
    - {name: identity, mountPath: /var/run/secrets/agent-test, readOnly: true}
`;

/** A pod whose ConfigMap volume source is created only later, like the mesh root certificate. */
export const LATE_CONFIG_POD = `
apiVersion: v1
kind: Pod
metadata: {name: late, namespace: ${AGENT_NAMESPACE}}
spec:
  containers:
  - {name: app, image: ${SERVER_IMAGE}, ports: [{containerPort: 8080}], volumeMounts: [{name: config, mountPath: /etc/agent-test/late}]}
  volumes: [{name: config, configMap: {name: late-settings}}]
`;

export const LATE_CONFIG_MAP = `
apiVersion: v1
kind: ConfigMap
metadata: {name: late-settings, namespace: ${AGENT_NAMESPACE}}
data: {mode: ready}
`;

/** A container that exits 3 every time: restarted at once, then held back. */
export const CRASHING_POD = `
apiVersion: v1
kind: Pod
metadata: {name: crashing, namespace: ${AGENT_NAMESPACE}}
spec:
  containers: [{name: app, image: ${TOOLS_IMAGE}, command: [/bin/sh, -c, 'exit 3']}]
`;

/** A Job whose pod has a native sidecar: the Job completes when its app exits. */
export const JOB_WITH_SIDECAR = `
apiVersion: batch/v1
kind: Job
metadata: {name: finishes, namespace: ${AGENT_NAMESPACE}}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: sidecar
        image: ${SERVER_IMAGE}
        restartPolicy: Always
        ports: [{containerPort: 8081}]
        startupProbe: {tcpSocket: {port: 8081}, periodSeconds: 1, failureThreshold: 30}
      containers:
      - {name: app, image: ${TOOLS_IMAGE}, command: [/bin/sh, -c, 'curl -sf http://127.0.0.1:8081/ > /dev/null']}
`;

/** Two replicas behind a Service, a Service without endpoints, and a client pod. */
export const SERVICES = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: ${AGENT_NAMESPACE}}
spec:
  replicas: 2
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
      - name: hello
        image: ${SERVER_IMAGE}
        ports: [{name: http, containerPort: 9080}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: hello, namespace: ${AGENT_NAMESPACE}}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody, namespace: ${AGENT_NAMESPACE}}
spec:
  selector: {app: nobody}
  ports: [{name: http, port: 80, targetPort: 9080}]
---
apiVersion: v1
kind: Pod
metadata: {name: caller, namespace: ${AGENT_NAMESPACE}}
spec:
  containers: [{name: app, image: ${SERVER_IMAGE}, ports: [{containerPort: 8080}]}]
`;

/** A container that ignores SIGTERM: it is killed when the grace period ends. */
export const STUBBORN_POD = `
apiVersion: v1
kind: Pod
metadata: {name: stubborn, namespace: ${AGENT_NAMESPACE}}
spec:
  terminationGracePeriodSeconds: 2
  containers: [{name: app, image: ${TOOLS_IMAGE}, command: [/bin/sh, -c, 'trap "" TERM; while true; do sleep 1; done']}]
`;
