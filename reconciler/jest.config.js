/** Reconciler unit and real-Envoy tests. */
module.exports = {
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }] },
  testEnvironment: 'node',
  // ../src/model (the shared model) finds its packages here too when the library's are not installed.
  modulePaths: ['<rootDir>/node_modules'],
  // Real Envoy tests start processes; give them room but never forever.
  testTimeout: 60000,
};
