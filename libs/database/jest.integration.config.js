module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'database-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 120000,
};
