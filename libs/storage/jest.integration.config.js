module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'storage-integration',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.integration.spec.ts'],
  // Real transfers of hundreds of megabytes against a real MinIO.
  testTimeout: 180000,
};
