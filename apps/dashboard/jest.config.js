// The dashboard's unit and component tests: TypeScript and TSX through SWC (React's automatic JSX runtime). Pure logic
// runs in Node; a component spec asks for a DOM with a `@jest-environment jsdom` docblock.
const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', tsx: true },
    transform: { react: { runtime: 'automatic' } },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  displayName: 'dashboard',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/src/**/*.spec.tsx'],
  transform: { '^.+\\.(ts|tsx)$': ['@swc/jest', swcOptions] },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  // Stylesheets are the bundler's business; a component under test needs none of them.
  moduleNameMapper: { '\\.css$': '<rootDir>/test/no-styles.js' },
};
