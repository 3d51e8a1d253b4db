module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'orchestrator-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 300_000,
};
