/**
 * Time-boxed chaos: the `mesh.cdk8s.io/chaos-window` annotation on a VirtualService lists
 * `{route, start, end}` windows (ISO 8601). A listed route's `fault` is served only while
 * `start <= now < end` for one of its windows; routes not listed keep their fault. Everything here
 * is pure (the clock is a parameter) so the push loop decides when "now" is.
 */
import type { MeshObject } from './contract';
import type { HttpRoute, VirtualServiceSpec } from './istio-spec';
import { CHAOS_WINDOW_ANNOTATION } from '../model';

/** A date-time with a time zone, e.g. `2024-05-01T09:00:00Z` or `2024-05-01T11:00:00.000+02:00`. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const EXAMPLE = '[{"route":"jason-delay","start":"2024-05-01T09:00:00Z","end":"2024-05-01T10:00:00Z"}]';

/** One window of one route, in epoch milliseconds. */
export interface ChaosWindow {
  readonly route: string;
  readonly start: number;
  readonly end: number;
}

export type ChaosWindowParse =
  | { readonly ok: true; readonly windows: readonly ChaosWindow[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The windows an object declares (none without the annotation), or what is wrong with them. */
export function parseChaosWindows(object: MeshObject): ChaosWindowParse {
  const text = object.metadata.annotations?.[CHAOS_WINDOW_ANNOTATION];
  if (text === undefined) {
    return { ok: true, windows: [] };
  }
  const field = `metadata.annotations['${CHAOS_WINDOW_ANNOTATION}']`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`${field} is not JSON (${(error as Error).message}); write it as ${EXAMPLE}`] };
  }
  if (!Array.isArray(value)) {
    return { ok: false, problems: [`${field} is ${JSON.stringify(value)}, not a JSON array; write it as ${EXAMPLE}`] };
  }
  const faultedRoutes = new Set(((object.spec ?? {}) as VirtualServiceSpec).http?.filter(hasFault).map((route) => route.name) ?? []);
  const windows: ChaosWindow[] = [];
  const problems: string[] = [];
  value.forEach((entry: unknown, index) => {
    const parsed = parseEntry(entry, `${field}[${index}]`, faultedRoutes);
    if (typeof parsed === 'string') {
      problems.push(parsed);
    } else {
      windows.push(parsed);
    }
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, windows };
}

function parseEntry(entry: unknown, field: string, faultedRoutes: ReadonlySet<string | undefined>): ChaosWindow | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return `${field} is ${JSON.stringify(entry)}; each entry must be an object {route, start, end} as in ${EXAMPLE}`;
  }
  const { route, start, end } = entry as Record<string, unknown>;
  if (typeof route !== 'string' || !faultedRoutes.has(route)) {
    const known = [...faultedRoutes].filter((name): name is string => !!name).sort();
    const listing = known.length > 0 ? `routes with a fault are ${known.join(', ')}` : 'no named route of spec.http has a fault';
    return `${field}.route is ${JSON.stringify(route)}, but ${listing}; name a spec.http route that has a fault`;
  }
  const startMs = parseDateTime(start);
  if (startMs === undefined) {
    return `${field}.start is ${JSON.stringify(start)}; use an ISO 8601 date-time with a time zone such as "2024-05-01T09:00:00Z"`;
  }
  const endMs = parseDateTime(end);
  if (endMs === undefined) {
    return `${field}.end is ${JSON.stringify(end)}; use an ISO 8601 date-time with a time zone such as "2024-05-01T10:00:00Z"`;
  }
  if (endMs <= startMs) {
    return `${field}.end (${end as string}) is not after start (${start as string}); the window would never be open, so make end later than start`;
  }
  return { route, start: startMs, end: endMs };
}

function parseDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value)) {
    return undefined;
  }
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function hasFault(route: HttpRoute): boolean {
  return !!route.fault && (route.fault.delay !== undefined || route.fault.abort !== undefined);
}

export interface TimedVirtualServices {
  /** The objects as they apply at `now`: faults outside their windows removed, others unchanged (same references). */
  readonly objects: readonly MeshObject[];
  /** The next instant (epoch ms, after `now`) at which a window opens or closes; undefined when none will. */
  readonly nextBoundary: number | undefined;
}

/**
 * The VirtualServices as they apply at `now` (epoch ms). Objects are expected to have passed ingest,
 * which rejects malformed windows; should one get here anyway, its faults are left out, because a
 * fault whose time box cannot be read must not run unbounded.
 */
export function applyChaosWindows(virtualServices: readonly MeshObject[], now: number): TimedVirtualServices {
  let nextBoundary: number | undefined;
  const objects = virtualServices.map((object) => {
    const parsed = parseChaosWindows(object);
    if (parsed.ok && parsed.windows.length === 0) {
      return object;
    }
    const windows = parsed.ok ? parsed.windows : [];
    for (const window of windows) {
      for (const boundary of [window.start, window.end]) {
        if (boundary > now && (nextBoundary === undefined || boundary < nextBoundary)) {
          nextBoundary = boundary;
        }
      }
    }
    const timeBoxed = new Set(windows.map((window) => window.route));
    const open = new Set(windows.filter((window) => window.start <= now && now < window.end).map((window) => window.route));
    const faultAllowed = (route: HttpRoute) => (parsed.ok ? !timeBoxed.has(route.name ?? '') || open.has(route.name ?? '') : false);
    return withoutFaults(object, (route) => !faultAllowed(route));
  });
  return { objects, nextBoundary };
}

/** A copy of the object whose selected HTTP routes carry no fault; the input is never mutated. */
function withoutFaults(object: MeshObject, drop: (route: HttpRoute) => boolean): MeshObject {
  const spec = (object.spec ?? {}) as VirtualServiceSpec;
  if (!(spec.http ?? []).some((route) => route.fault && drop(route))) {
    return object;
  }
  const http = spec.http!.map((route) => {
    if (!route.fault || !drop(route)) {
      return route;
    }
    const withoutFault = { ...route };
    delete withoutFault.fault;
    return withoutFault;
  });
  return { ...object, spec: { ...spec, http } };
}
