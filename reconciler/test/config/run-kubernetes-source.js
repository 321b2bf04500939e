// Runs the compiled KubernetesSource in a plain Node process (the client library is an ES module,
// which Node loads natively but jest's module system does not) and prints each update as one JSON line.
const path = require('path');
const k8s = require('@kubernetes/client-node');
const { KubernetesSource } = require(path.resolve(__dirname, '../../build/reconciler/src/config/kubernetes-source.js'));

const kubeConfig = new k8s.KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'fake', server: process.env.FAKE_API_SERVER, skipTLSVerify: true }],
  users: [{ name: 'reconciler', token: 'test-token' }],
  contexts: [{ name: 'fake', cluster: 'fake', user: 'reconciler' }],
  currentContext: 'fake',
});
let source;
source = new KubernetesSource({
  kubeConfig,
  resources: JSON.parse(process.env.WATCHED_RESOURCES),
  initialBackoffMs: 50,
  // Failures with the source's status right after, on their own line kind.
  onWatchError: (status) => process.stdout.write(`${JSON.stringify({ watchError: status, sourceStatus: source.status() })}\n`),
  // Pods handed over for root-certificate publishing, reported on their own line kind.
  onPods: (pods) => process.stdout.write(`${JSON.stringify({ pods: pods.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`) })}\n`),
});
source.start((update) => process.stdout.write(`${JSON.stringify(update)}\n`)).catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
process.on('SIGTERM', () => source.stop().then(() => process.exit(0)));
