module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'debugger',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
