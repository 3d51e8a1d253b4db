module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'k8s',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // Renders every overlay with kustomize and validates it with kubeconform: seconds, not milliseconds.
  testTimeout: 120_000,
};
