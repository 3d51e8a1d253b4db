module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'evaluator-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 300_000,
};
