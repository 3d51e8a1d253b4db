module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'inference',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
