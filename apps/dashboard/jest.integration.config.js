module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'dashboard-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  // One job trained, evaluated and chatted with on the tiny model, in a real browser, on a shared 2-core machine.
  testTimeout: 900_000,
};
