module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'model-import',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
