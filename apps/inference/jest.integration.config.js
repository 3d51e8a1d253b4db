module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'inference-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 120_000,
};
