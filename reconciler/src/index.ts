// The reconciler as a library: embed it, or drive its parts from tests.
export * from './push/contract';
export * from './config/source';
export { DirectorySource } from './config/directory-source';
export type { DirectorySourceOptions } from './config/directory-source';
export { Reconciler } from './reconciler';
export type { ReconcilerOptions, ProxyResourceGenerator, ListenAddress } from './reconciler';
export { AdsServer } from './xds/ads/ads-server';
export type { AdsServerOptions } from './xds/ads/ads-server';
export { SnapshotCache } from './xds/snapshot-cache';
export type { SnapshotWatchSource, PushReason } from './xds/snapshot-cache';
export { XdsSnapshot, buildSnapshot } from './xds/snapshot';
export { ResourceEncoder, encodeResourceBytes, decodeResourceBytes, CodecError, ResourceEncodingError } from './xds/codec';
export { createLogger, silentLogger } from './log';
export type { Logger } from './log';
