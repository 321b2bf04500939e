/**
 * The program every application image runs in the suite (see the node agent's image table): an
 * HTTP server on each container port that answers who it is, and can call another URL from inside
 * its pod, so traffic starts behind the pod's iptables capture like an application's would.
 *
 *   GET /<anything>                 → { service, version, pod, namespace, podIp, port, path, caller }
 *   GET /status/<code>              → that status, with the same body
 *   GET /call?url=<url>&n=<count>   → { calls: [{ status, body | error }] }, each call made from this pod
 *     (&header=name:value, repeatable, adds request headers)
 *
 * It is compiled on its own (no imports beyond Node) and run with `node`, never through jest.
 */
import * as http from 'http';

interface CallResult {
  readonly status?: number;
  readonly body?: unknown;
  readonly error?: string;
}

const identity = {
  service: process.env.WORKLOAD_SERVICE ?? '',
  version: process.env.WORKLOAD_VERSION ?? '',
  pod: process.env.WORKLOAD_POD ?? '',
  namespace: process.env.WORKLOAD_NAMESPACE ?? '',
  podIp: process.env.WORKLOAD_POD_IP ?? '',
  image: process.env.WORKLOAD_IMAGE ?? '',
};

/**
 * The caller's SPIFFE identity from the `x-forwarded-client-cert` header a server-side Envoy adds:
 * its last element (the sidecar appends the peer it verified after what that peer forwarded).
 */
function callerIdentity(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header[header.length - 1] : header;
  const uri = text?.split(',').pop()?.split(';').find((part) => part.startsWith('URI='));
  return uri?.slice('URI='.length);
}

function callOnce(url: string, headers: Record<string, string>): Promise<CallResult> {
  return new Promise((resolve) => {
    const request = http.get(url, { headers, agent: false, timeout: 10_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (an Envoy error page): keep the text.
        }
        resolve({ status: response.statusCode, body });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out after 10 s')));
    request.on('error', (error) => resolve({ error: error.message }));
  });
}

async function handleCall(query: URLSearchParams): Promise<{ calls: CallResult[] }> {
  const url = query.get('url');
  if (!url) throw new Error('/call needs ?url=<url to call>');
  const count = Math.max(1, Math.min(10_000, Number(query.get('n') ?? '1')));
  const headers = Object.fromEntries(query.getAll('header').map((header) => {
    const colon = header.indexOf(':');
    return [header.slice(0, colon).trim(), header.slice(colon + 1).trim()];
  }));
  const calls: CallResult[] = [];
  for (let index = 0; index < count; index++) calls.push(await callOnce(url, headers));
  return { calls };
}

function serve(port: number): http.Server {
  return http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://workload');
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/call') {
      handleCall(url.searchParams).then((result) => reply(200, result), (error: Error) => reply(400, { error: error.message }));
      return;
    }
    const statusMatch = /^\/status\/(\d{3})$/.exec(url.pathname);
    reply(statusMatch ? Number(statusMatch[1]) : 200, {
      ...identity,
      port,
      path: url.pathname,
      method: request.method,
      caller: callerIdentity(request.headers['x-forwarded-client-cert']),
      callerAddress: request.socket.remoteAddress,
      host: request.headers.host,
    });
  }).listen(port, '0.0.0.0');
}

const ports = (process.env.WORKLOAD_PORTS ?? '').split(',').filter(Boolean).map(Number);
const servers = (ports.length > 0 ? ports : [8080]).map(serve);
process.on('SIGTERM', () => {
  for (const server of servers) server.close();
  process.exit(0);
});
