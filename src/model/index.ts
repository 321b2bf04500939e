export * from './bootstrap';
export * from './validation';
