/** Unit and integration tests; TypeScript through ts-jest. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'ES2019', isolatedModules: true } }] },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/scripts/jest-summary.js'],
};
