const preset = require('../../jest.preset.js');

// @kubernetes/client-node and the OpenID packages it imports ship only as ES modules, which Jest's CommonJS
// runtime cannot load (Node itself can: require(esm)). They are compiled to CommonJS by SWC like our own
// sources; every other package under node_modules is loaded as it is.
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose'];

module.exports = {
  ...preset,
  displayName: 'trainer',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    ...preset.transform,
    '^.+\\.js$': ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.map((name) => name.replace('/', '\\/')).join('|')})/)`],
};
