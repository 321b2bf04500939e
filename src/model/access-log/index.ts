export * from './access-log-operators';
export * from './access-log-format';
