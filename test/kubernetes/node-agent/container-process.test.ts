import { buildMountScript, containerCapabilities, ContainerLaunch, planOverlays } from './container-process';

const existing = new Set(['/', '/etc', '/etc/hosts', '/var', '/var/run', '/run', '/tmp', '/tmp/agent/pod/volumes/a', '/tmp/agent/pod/hosts']);
const exists = (file: string) => existing.has(file);
// /var/run is a symlink to /run on the node.
const realpath = (file: string) => (file === '/var/run' ? '/run' : file);

describe('mount planning', () => {
  test('GIVEN mount paths whose parents the node lacks WHEN planned THEN the nearest existing ancestors (symlinks resolved) get one overlay each', () => {
    const plan = planOverlays(['/etc/istio/proxy', '/etc/hosts', '/var/run/secrets/tokens', '/var/run/secrets/mesh', '/etc/mesh'], exists, realpath);
    expect(plan.overlayRoots).toEqual(['/etc', '/run']);
    expect(plan.targets).toEqual(['/etc/istio/proxy', '/etc/hosts', '/run/secrets/tokens', '/run/secrets/mesh', '/etc/mesh']);
  });

  test('GIVEN a mount path that needs a new top-level directory WHEN planned THEN it is refused rather than made on the node', () => {
    expect(() => planOverlays(['/data/cache'], exists, realpath)).toThrow('needs a new top-level directory');
  });

  test('GIVEN a launch WHEN the mount script is built THEN overlays come first, missing mount points are made only inside them, then read-only binds and the user switch', () => {
    const launch: ContainerLaunch = {
      netnsPath: '/proc/1/ns/net',
      scratchDir: '/tmp/agent/pod/containers/app/scratch',
      readOnlyRootFilesystem: true,
      workingDir: '/work',
      mounts: [
        { source: '/tmp/agent/pod/volumes/a', target: '/etc/istio/proxy', readOnly: true },
        { source: '/tmp/agent/pod/hosts', target: '/etc/hosts', readOnly: false },
      ],
      user: 1337,
      group: 1337,
      supplementalGroups: [],
      capabilities: [],
      noNewPrivileges: true,
      commandLine: ['/bin/envoy'],
      env: {},
      logFile: '/dev/null',
    };
    const plan = planOverlays(launch.mounts.map((mount) => mount.target), exists, realpath);
    const script = buildMountScript(launch, plan, (file) => file.endsWith('hosts')).split('\n').map((line) => line.replace(/\/usr\/s?bin\/|\/s?bin\//g, ''));
    expect(script).toEqual([
      'set -e',
      'mkdir -p /tmp/agent/pod/containers/app/scratch/overlay-0/upper /tmp/agent/pod/containers/app/scratch/overlay-0/work',
      'mount -t overlay overlay -o lowerdir=/etc,upperdir=/tmp/agent/pod/containers/app/scratch/overlay-0/upper,workdir=/tmp/agent/pod/containers/app/scratch/overlay-0/work /etc',
      'mkdir -p /etc/istio/proxy',
      'mount --bind /tmp/agent/pod/volumes/a /etc/istio/proxy',
      'mount -o remount,bind,ro /etc/istio/proxy',
      '[ -e /etc/hosts ] || { mkdir -p /etc; : > /etc/hosts; }',
      'mount --bind /tmp/agent/pod/hosts /etc/hosts',
      'mount -o remount,bind,ro /',
      'mount -o remount,ro /etc',
      'cd /work',
      'printf ready >&3',
      'exec 3>&-',
      'exec setpriv --reuid=1337 --regid=1337 --clear-groups --bounding-set=-all --no-new-privs -- "$@"',
    ]);
  });

  test.each([
    [{ drop: ['ALL'], add: ['NET_ADMIN', 'NET_RAW'] }, ['NET_ADMIN', 'NET_RAW']],
    [{ drop: ['CAP_NET_RAW', 'KILL'] }, ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']],
  ])('GIVEN capabilities %j WHEN the bounding set is made THEN it is %j', (capabilities, expected) => {
    expect(containerCapabilities(capabilities)).toEqual(expected);
  });
});
