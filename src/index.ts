export * from './mesh/mesh-policy';
export * from './mesh/mesh';
export * from './mesh/service-port';
export * from './mesh/service-version';
export * from './mesh/mesh-service';
