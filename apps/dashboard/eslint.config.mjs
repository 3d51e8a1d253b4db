// The workspace's rules plus React's: the rules of hooks, and jsx-a11y's accessibility checks on the markup.
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';
import root from '../../eslint.config.mjs';

export default [
  ...root,
  {
    files: ['apps/dashboard/**/*.ts', 'apps/dashboard/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The app itself (its tests may use the workspace's libraries to make data and start a platform).
    files: ['apps/dashboard/src/**/*.ts', 'apps/dashboard/src/**/*.tsx'],
    rules: {
      // The dashboard is a client of the public API: no service code, and from the contracts only types (and, loaded
      // lazily, the job configuration's own validation), never what runs on a server.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@tuneforge/*', '!@tuneforge/contracts'], message: 'The dashboard calls the public API; it does not import services or libraries.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  { files: ['apps/dashboard/src/**/*.tsx'], ...jsxA11y.flatConfigs.recommended, languageOptions: { ...jsxA11y.flatConfigs.recommended.languageOptions, parser: tseslint.parser } },
];
