/**
 * Unit tests live beside the code (src/**\/*.spec.ts, and the bench's in bench/); e2e tests boot
 * the real AppModule (test/).
 */
const swaggerPlugin = '<rootDir>/scripts/swagger-plugin.js';
const tsJest = (extra = {}) => ({
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', ...extra }],
});

module.exports = {
  // A global option: jest ignores it inside `projects`.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/bench/**/*.spec.ts'],
      transform: tsJest(),
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // The Swagger plugin is part of the build, so the e2e app must be compiled with it too.
      transform: tsJest({ astTransformers: { before: [swaggerPlugin] } }),
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
      setupFiles: ['<rootDir>/test/setup/env.ts'],
    },
  ],
};
