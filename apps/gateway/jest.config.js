module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // The specs over the metadata database start PGlite (Postgres in WASM): seconds on a busy 2-core machine.
  testTimeout: 60000,
};
