module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'engine',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // Golden parity and training runs call into the native engine.
  testTimeout: 120000,
};
