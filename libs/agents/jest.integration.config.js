module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'agents-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  // The agent loop runs the tiny model through the native engine.
  testTimeout: 120000,
};
