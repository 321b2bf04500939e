export * from './envoy-regex';
export * from './envoy-regex-issues';
export * from './istio-regex-fields';
