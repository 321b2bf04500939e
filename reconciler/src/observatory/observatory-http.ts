/**
 * The observatory on the ops port: the JSON API (`/api/graph`, `/api/services/<ns>/<name>`,
 * `/api/validations`) and the bundled pages under `/ui`. Read-only: every route is a GET.
 * Pages are served with `Content-Security-Policy: default-src 'self'` (no inline script or style,
 * nothing from elsewhere). With an ops token configured, the API and pages need it: as a bearer
 * header, or a cookie set by opening `/ui?token=<token>` once (the URL is then cleaned).
 */
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import { sameToken, isAuthorizedBearer } from '../ops/bearer-token';
import type { ObservatoryGraph } from './observatory-graph';
import type { ServiceDetail } from './service-detail';
import type { Validation } from './validations/validation';

/** What the observatory's routes read; the reconciler implements it. */
export interface ObservatoryApi {
  graph(options: { readonly namespace?: string; readonly windowMs: number }): ObservatoryGraph;
  service(namespace: string, name: string, windowMs: number): ServiceDetail | undefined;
  validations(namespace?: string): Validation[];
}

export const CONTENT_SECURITY_POLICY = "default-src 'self'";
const TOKEN_COOKIE = 'mesh_observatory_token';
const SERVICE_PATH = /^\/api\/services\/([^/]+)\/([^/]+)$/;
const ASSET_NAME = /^[A-Za-z0-9_.-]+\.(html|js|css|svg|txt)$/;
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml', txt: 'text/plain; charset=utf-8',
};
const DEFAULT_WINDOW_MS = 60_000;

/** Where the bundled pages are: next to the built reconciler, or built from a source checkout. */
export function defaultUiDirectory(): string | undefined {
  return [path.resolve(__dirname, '../../../ui'), path.resolve(__dirname, '../../build/ui')]
    .find((candidate) => fs.existsSync(path.join(candidate, 'index.html')));
}

/** Handles `/api/…` and `/ui…`; false for any other path. */
export function handleObservatory(
  request: http.IncomingMessage, response: http.ServerResponse, url: URL,
  api: ObservatoryApi | undefined, uiDirectory: string | undefined, token: string | undefined,
): boolean {
  const isApi = url.pathname.startsWith('/api/');
  const isUi = url.pathname === '/ui' || url.pathname.startsWith('/ui/');
  if (!isApi && !isUi) return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'application/json', JSON.stringify({ error: `${request.method} ${url.pathname}: the observatory is read-only; the code is the source of truth for config` }));
    return true;
  }
  if (token !== undefined) {
    const presented = url.searchParams.get('token');
    if (isUi && presented !== null && sameToken(presented, token)) {
      response.writeHead(303, {
        'location': '/ui',
        'set-cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      });
      response.end();
      return true;
    }
    if (!isAuthorizedBearer(request.headers.authorization, token) && !sameToken(cookie(request, TOKEN_COOKIE) ?? '', token)) {
      response.setHeader('www-authenticate', 'Bearer');
      send(response, 401, 'text/plain; charset=utf-8', 'the observatory needs the ops token: open /ui?token=<the token in --ops-token-file>, or send Authorization: Bearer <token>\n');
      return true;
    }
  }
  if (isApi) {
    apiRoute(response, url, api);
    return true;
  }
  uiRoute(response, url, uiDirectory);
  return true;
}

function apiRoute(response: http.ServerResponse, url: URL, api: ObservatoryApi | undefined): void {
  if (!api) return sendJson(response, 404, { error: 'this reconciler runs without the observatory' });
  const namespace = url.searchParams.get('namespace') || undefined;
  const windowText = url.searchParams.get('window') ?? '60s';
  const match = /^(\d+)(s|m)$/.exec(windowText);
  const windowMs = match ? Number(match[1]) * (match[2] === 'm' ? 60_000 : 1000) : undefined;
  if (windowMs === undefined || windowMs < 1000 || windowMs > 15 * 60_000) {
    return sendJson(response, 400, { error: `window is '${windowText}'; give 1s to 15m, e.g. window=60s, 5m or 15m` });
  }
  if (url.pathname === '/api/graph') return sendJson(response, 200, api.graph({ namespace, windowMs: windowMs ?? DEFAULT_WINDOW_MS }));
  if (url.pathname === '/api/validations') return sendJson(response, 200, { validations: api.validations(namespace) });
  const service = SERVICE_PATH.exec(url.pathname);
  if (service) {
    const [namespaceName, serviceName] = [decodeURIComponent(service[1]), decodeURIComponent(service[2])];
    const detail = api.service(namespaceName, serviceName, windowMs);
    return detail
      ? sendJson(response, 200, detail)
      : sendJson(response, 404, { error: `no service ${namespaceName}/${serviceName} in the accepted config; see /api/graph for the services there are` });
  }
  sendJson(response, 404, { error: `unknown API path ${url.pathname}; use /api/graph?namespace=<ns>, /api/services/<namespace>/<name> or /api/validations` });
}

function uiRoute(response: http.ServerResponse, url: URL, uiDirectory: string | undefined): void {
  const name = url.pathname === '/ui' || url.pathname === '/ui/' ? 'index.html' : url.pathname.slice('/ui/'.length);
  if (!uiDirectory) {
    return send(response, 404, 'text/plain; charset=utf-8', 'the observatory pages are not built: run npm run build in reconciler/ (it bundles reconciler/ui into build/ui)\n');
  }
  if (!ASSET_NAME.test(name)) return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  let body: Buffer;
  try {
    body = fs.readFileSync(path.join(uiDirectory, name));
  } catch {
    return send(response, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
  send(response, 200, CONTENT_TYPES[name.split('.').pop()!], body);
}

function cookie(request: http.IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
  response.end(body);
}
