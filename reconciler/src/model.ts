// The model shared with the construct library: Istio types, validators and the Envoy bootstrap.
export * from '../../src/model';
