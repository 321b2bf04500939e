export * from './bootstrap';
export * from './capture-rules';
export * from './validation';
export * from './control-plane';
export * from './regex';
export * from './annotations';
export * from './declared-graph';
export * from './rollout-plan';
