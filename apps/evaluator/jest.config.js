module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'evaluator',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
