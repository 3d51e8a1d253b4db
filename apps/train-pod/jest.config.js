module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'train-pod',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
