export * from './validation-issue';
export * from './kubernetes-schema';
export * from './istio-schema-validator';
export * from './format-issues';
export * from './cel-rule-inventory';
export { CelRuleCompileError } from './cel/compiled-cel-rule';
export * from './quote-value';
