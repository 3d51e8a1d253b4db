module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'train-pod-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  testTimeout: 600_000,
};
