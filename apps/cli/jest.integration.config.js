module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 300_000,
};
