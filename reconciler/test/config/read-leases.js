// Reads a Lease CALLS times through the compiled ConnectionReusingKubeConfig (or, with
// KUBE_CONFIG=library, the client library's own KubeConfig) in a plain Node process: the client
// library is an ES module, which Node loads natively but jest's module system does not. CA_FILES
// lists CA bundles loaded one after another, CALLS reads each. Prints the agents made as JSON.
const fs = require('fs');
const path = require('path');
const k8s = require('@kubernetes/client-node');
const { ConnectionReusingKubeConfig } = require(path.resolve(__dirname, '../../build/reconciler/src/config/connection-reusing-kube-config.js'));

async function main() {
  const kubeConfig = process.env.KUBE_CONFIG === 'library' ? new k8s.KubeConfig() : new ConnectionReusingKubeConfig();
  for (const caFile of process.env.CA_FILES.split(',')) {
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'test', server: process.env.API_SERVER, caData: fs.readFileSync(caFile).toString('base64') }],
      users: [{ name: 'reconciler', token: 'token' }],
      contexts: [{ name: 'test', cluster: 'test', user: 'reconciler' }],
      currentContext: 'test',
    });
    const api = kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    for (let call = 0; call < Number(process.env.CALLS); call += 1) {
      const lease = await api.readNamespacedLease({ name: 'mesh-rollout-leader', namespace: 'mesh-system' });
      if (lease.metadata.name !== 'mesh-rollout-leader') throw new Error(`read ${JSON.stringify(lease)}`);
    }
  }
  process.stdout.write(JSON.stringify({ agents: kubeConfig.agentCount ?? null }));
  process.exit(0);
}
main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
