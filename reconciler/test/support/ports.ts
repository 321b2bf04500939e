/** Free TCP ports on loopback addresses, chosen by the kernel. */
import * as net from 'net';

/**
 * Ports this process has handed out. The kernel may offer a port again as soon as the probe closes
 * it, and a caller asking for two ports for one Envoy (admin and readiness) then gets the same one
 * twice: Envoy exits with "Address already in use", as a loaded full run showed.
 */
const handedOut = new Set<number>();

export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = await kernelChosenPort(host);
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function kernelChosenPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A distinct 127.x.y.z address per call within this process, so proxies and backends never collide. */
let nextLoopback = 0;
export function uniqueLoopbackAddress(): string {
  nextLoopback += 1;
  const slot = (process.pid % 200) * 250 + nextLoopback;
  return `127.${10 + Math.floor(slot / 62500) % 200}.${Math.floor(slot / 250) % 250 + 1}.${(slot % 250) + 1}`;
}
