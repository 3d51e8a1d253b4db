module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'trainer',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
