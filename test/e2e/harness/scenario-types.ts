/** What a scenario declares: the mesh (built with the constructs), where its workloads run, and who calls them. */
import type { Chart } from 'cdk8s';
import type { Mesh, MeshProps } from '../../../src';

/** The kind of application an instance runs: a small HTTP server or a gRPC server. */
export type BackendKind = 'http' | 'grpc';

/** One version of a MeshService placed on loopback, as one or more instances. */
export interface WorkloadSpec {
  /** MeshService name. */
  readonly service: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** The version label (DestinationRule subset). */
  readonly version: string;
  /**
   * Instances of the version, each with its own 127.x.y.z address; several give a subset several
   * endpoints (needed to see consistent hashing at work).
   * @default 1
   */
  readonly instances?: number;
  /** `http`: a recording HTTP server; `grpc`: the Greeter service of `grpc-greeter.ts`. @default 'http' */
  readonly backend?: BackendKind;
  /** Overrides the scenario's `serverSidecars` for this workload. */
  readonly serverSidecar?: boolean;
}

/** A calling application: an Envoy sidecar in front of it, or a proxyless gRPC client. */
export interface ClientSpec {
  /** Used as the proxy name and `app` label. */
  readonly name: string;
  /** @default 'default' */
  readonly namespace?: string;
  /** @default the client name */
  readonly serviceAccount?: string;
  /** Extra labels of the client's workload (e.g. `version`). */
  readonly labels?: Readonly<Record<string, string>>;
}

export type ReconcilerMode = 'in-process' | 'child';

export interface MeshScenarioOptions {
  /** Short name for temp directories and failure messages. */
  readonly name: string;
  /** Declares the mesh with the constructs; a `Mesh` is already in the chart. */
  readonly build: (chart: Chart, mesh: Mesh) => void;
  /**
   * Props of that `Mesh` (e.g. `outboundTrafficPolicy`, `defaultMtlsMode`); the reconciler runs
   * with the mesh config it synthesizes, as in a cluster.
   * @default the Mesh defaults
   */
  readonly meshProps?: MeshProps;
  readonly workloads: readonly WorkloadSpec[];
  /** Envoy-fronted callers. @default none */
  readonly clients?: readonly ClientSpec[];
  /**
   * Whether every workload instance gets its own Envoy in front of it (needed for mTLS,
   * authorization and JWT); without one, client sidecars call the backends directly.
   * @default false
   */
  readonly serverSidecars?: boolean;
  /** `child` runs the built CLI (killable, restartable); `in-process` is faster to start. @default 'in-process' */
  readonly reconciler?: ReconcilerMode;
  /** More flags for a `child` reconciler, e.g. `['--ops-token-file', file]`. @default none */
  readonly reconcilerArgs?: readonly string[];
  /**
   * How often every sidecar streams its stats to the reconciler; short for scenarios that judge
   * traffic within seconds (rollouts).
   * @default Envoy bootstrap default (5000 ms)
   */
  readonly statsFlushIntervalMs?: number;
}
