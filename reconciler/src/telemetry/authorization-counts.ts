/**
 * What the mesh's authorization policies decided, as the sidecars that enforce them count it: per
 * workload, per AuthorizationPolicy, how many requests it allowed (an ALLOW rule matched) and
 * denied (a DENY rule matched), plus the requests an ALLOW filter denied because none of its rules
 * matched. Kept in the same rolling windows as the traffic, summed over every pod of a workload.
 */
import { parseRbacRuleName, RbacFilterAction } from '../xds/translate/security/rbac-naming';
import type { AuthorizationFlush } from './proxy-flush';
import { FINE_WINDOW_MS, MAX_WINDOW_MS, windowRings } from './proxy-coverage';
import type { RollingWindow } from './rolling-window';

/** The workload whose sidecar decided. */
export interface AuthorizingWorkload {
  readonly namespace: string;
  readonly workload: string;
}

/** One policy's decisions in a window, summed over the workloads asked for. */
export interface AuthorizationDecisions {
  /** The Istio action: ALLOW, DENY or AUDIT. */
  readonly action: 'ALLOW' | 'DENY' | 'AUDIT';
  /** `namespace/name` of the AuthorizationPolicy; undefined for requests no ALLOW rule matched. */
  readonly policy?: string;
  readonly allowed: number;
  readonly denied: number;
}

interface CountSeries {
  readonly key: AuthorizingWorkload;
  readonly action: RbacFilterAction;
  readonly policy?: string;
  readonly outcome: 'allowed' | 'denied';
  readonly rings: { readonly fine: RollingWindow; readonly coarse: RollingWindow };
  lastCountAt: number;
}

const ISTIO_ACTION: Readonly<Record<RbacFilterAction, AuthorizationDecisions['action']>> = { ALLOW: 'ALLOW', DENY: 'DENY', LOG: 'AUDIT' };

export class AuthorizationCounts {
  private readonly series = new Map<string, CountSeries>();

  /** How many series are kept (workload × policy × outcome). */
  get size(): number {
    return this.series.size;
  }

  /**
   * Adds one flush of one proxy of `workload`. Per rule counts are summed into their policy; of a
   * filter's totals only an ALLOW filter's denials are kept, the requests no rule matched.
   */
  record(workload: AuthorizingWorkload, decisions: readonly AuthorizationFlush[], coveredFrom: number, now: number): void {
    for (const { stat, count } of decisions) {
      let policy: string | undefined;
      if (stat.rule !== undefined) {
        const rule = parseRbacRuleName(stat.rule);
        if (!rule) continue;
        policy = `${rule.namespace}/${rule.name}`;
      } else if (stat.action !== 'ALLOW' || stat.outcome !== 'denied') {
        continue;
      }
      const key = `${workload.namespace}\u0000${workload.workload}\u0000${stat.action}\u0000${policy ?? ''}\u0000${stat.outcome}`;
      let series = this.series.get(key);
      if (!series) {
        series = { key: workload, action: stat.action, policy, outcome: stat.outcome, rings: windowRings(1), lastCountAt: now };
        this.series.set(key, series);
      }
      for (const ring of [series.rings.fine, series.rings.coarse]) {
        const offset = ring.record(now, coveredFrom, true);
        ring.fields![offset] += count;
      }
      series.lastCountAt = now;
    }
  }

  /** The decisions of the last `windowMs` at the given workloads, one entry per policy (and action). */
  decisions(workloads: readonly AuthorizingWorkload[], windowMs: number, now: number): AuthorizationDecisions[] {
    const wanted = new Set(workloads.map((workload) => `${workload.namespace}\u0000${workload.workload}`));
    const byPolicy = new Map<string, { action: AuthorizationDecisions['action']; policy?: string; allowed: number; denied: number }>();
    const sum = new Float64Array(1);
    for (const series of this.series.values()) {
      if (!wanted.has(`${series.key.namespace}\u0000${series.key.workload}`)) continue;
      const ring = windowMs <= FINE_WINDOW_MS ? series.rings.fine : series.rings.coarse;
      sum[0] = 0;
      ring.addInto(now, Math.min(windowMs, ring.spanMs), sum);
      if (sum[0] === 0) continue;
      const action = ISTIO_ACTION[series.action];
      const groupKey = `${action}\u0000${series.policy ?? ''}`;
      let entry = byPolicy.get(groupKey);
      if (!entry) {
        entry = { action, policy: series.policy, allowed: 0, denied: 0 };
        byPolicy.set(groupKey, entry);
      }
      entry[series.outcome] += Math.round(sum[0]);
    }
    return [...byPolicy.values()].sort((a, b) => (a.policy ?? '\uffff').localeCompare(b.policy ?? '\uffff') || a.action.localeCompare(b.action));
  }

  /** Drops series with nothing left in any window. */
  sweep(now: number): void {
    for (const [key, series] of this.series) {
      if (now - series.lastCountAt > MAX_WINDOW_MS) this.series.delete(key);
    }
  }
}
