/**
 * Tests run through ts-jest, which needs `typescript` < 7: package.json pins typescript 5.9 for that
 * (the 7.x native compiler has no compiler API for ts-jest yet). Type checking is done once by
 * `tsc --noEmit` in `npm test`, so ts-jest only transpiles (isolatedModules) and stays fast.
 *
 * Integration tests talk HTTP to one local stack (emulators + local Functions host) started by
 * test/globalSetup.ts on test ports, so `npm start` can keep running beside the tests.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // jose 6 ships ES modules only; Node 22 (from 22.12) loads them with require(esm), jest's module runtime cannot,
  // so jest alone transpiles jose to CommonJS (the app itself uses it as published).
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { diagnostics: false, tsconfig: { isolatedModules: true, allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFiles: ['<rootDir>/test/setupEnv.ts'],
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  // a run of every browser test that passes puts its screenshots in docs/screenshots (the README's pictures)
  reporters: ['default', '<rootDir>/test/screenshots.reporter.cjs'],
  testTimeout: 60000,
  maxWorkers: 2,
};
