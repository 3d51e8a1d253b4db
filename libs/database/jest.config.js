module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'database',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // PGlite (Postgres in WASM) takes seconds to start on a busy 2-core machine.
  testTimeout: 60000,
};
