module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'serving-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  // The served model and the agent loop run the tiny models through the native engine.
  testTimeout: 120000,
};
