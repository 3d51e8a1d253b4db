module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'retrieval-kit',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
