/** Reconciler unit and real-Envoy tests. */
module.exports = {
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testEnvironment: 'node',
  // Real Envoy tests start processes; give them room but never forever.
  testTimeout: 60000,
};
