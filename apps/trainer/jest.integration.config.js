// The unit settings (the ES-module packages compiled for Jest included), for test/**/*.integration.spec.ts.
module.exports = {
  ...require('./jest.config.js'),
  displayName: 'trainer-integration',
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 300_000,
};
