// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'playwright-report/', 'test-results/', '.data/', 'tools/ferretdb/bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Express route handlers may be async: Express 5 forwards their rejections
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // the core never imports a feature: it knows one by its contract only
    // (src/feature.ts). tools/layers.ts checks the same through every
    // indirect import, and that src/ has no circle of imports
    files: ['src/**/*.ts'],
    ignores: ['src/features/**', 'src/server.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/features/**', './features/*'], message: 'The core never imports a feature: add a hook to src/feature.ts, and let server.ts hand the feature in.' }] }],
    },
  },
  {
    // sudo mode has one door (checks/reauthenticate.ts): a feature hands its
    // proof to CoreDeps.confirmSudo, which asks for what else the account
    // has. A feature that started sudo mode itself would be a side door
    files: ['src/features/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "AssignmentExpression > MemberExpression.left[property.name='authenticatedAt']", message: 'Sudo mode starts through its one door: hand the proof to CoreDeps.confirmSudo.' }],
      'no-restricted-imports': ['error', { paths: [], patterns: [{ group: ['**/session/recent-auth.js'], importNames: ['markAuthenticated'], message: 'Sudo mode starts through its one door: hand the proof to CoreDeps.confirmSudo.' }] }],
    },
  },
  {
    // node:test's describe() and it() return promises that the runner itself awaits
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // the few scripts pages load run in the browser
    files: ['public/js/**/*.js'],
    languageOptions: { globals: { ...globals.browser }, sourceType: 'module' },
  },
);
