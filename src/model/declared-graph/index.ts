export * from './declared-graph';
export * from './manifest';
export * from './build-declared-graph';
export * from './route-summaries';
