module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'graders',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
