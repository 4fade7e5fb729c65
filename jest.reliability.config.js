/**
 * The reliability suite ("Prove it"): bad input across the API, and faults under load against the
 * built service. Its own config (not a project of jest.config.js) so that `npm test` does not run
 * it; `npm run test:reliability` does, after a build. It reuses the e2e project's transform,
 * global setup/teardown (PostgreSQL and the migrated template database) and setup files.
 */
const { projects } = require('./jest.config.js');

const e2e = projects.find((project) => project.displayName === 'e2e');
if (!e2e) throw new Error('jest.config.js has no "e2e" project to base the reliability suite on');

module.exports = {
  ...e2e,
  displayName: 'reliability',
  testMatch: ['<rootDir>/test/reliability/**/*.rel-spec.ts'],
  // The fault scenarios time the service's recovery: they must not share two cores with a
  // second test file.
  maxWorkers: 1,
  testTimeout: 180000,
};
