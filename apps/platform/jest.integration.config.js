module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'launcher-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 180_000,
};
