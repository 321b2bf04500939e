/** The end-to-end harness: scenarios declared with the constructs, served by the reconciler, proven with real Envoy. */
export { MeshScenario, startMeshScenario } from './mesh-scenario';
export type { ScenarioResource } from './mesh-scenario';
export { INSTANCE_LABEL } from './loopback-placement';
export { SERVED_BY_HEADER } from './recording-backend';
export type { InstanceReply, RunningBackend } from './recording-backend';
export type * from './scenario-types';
export type { MeshRequest, MeshResponse, SendManyOptions, TrafficSummary } from './traffic';
export { greeterDefinition, startGreeterBackend } from './grpc-greeter';
export type { GreeterClient, HelloReply } from './grpc-greeter';
export { ProxylessGreeterClient, startProxylessClient } from './proxyless-client';
export type { ProxylessCallResult, ProxylessClientOptions } from './proxyless-client';
