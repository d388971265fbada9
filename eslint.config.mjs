// Lint: typescript-eslint's type-checked rules over the service (functions/, shared/, local/, bench/, test/)
// and the console (web/, its own tsconfig). Formatting is Prettier's (eslint-config-prettier turns off the
// rules it owns); `npm run lint` runs both checks, `npm run format` rewrites.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.local/**', 'test/fixtures/**', 'web/dist/**', 'infra/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // unused names are the compiler's to report (noUnusedLocals in CI's tsc); `_` marks one on purpose
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // a route handler or step may be async without awaiting (it returns a value the pipeline awaits)
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // the console: browser code
    files: ['web/**/*.{ts,tsx,mts}'],
    languageOptions: { globals: { ...globals.browser } },
    // React calls an async event handler and ignores its promise, which is what the handlers want (each
    // shows its own errors); promises anywhere else must still be awaited or handled
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }] },
  },
  {
    // tests and benchmarks read answers as JSON of any shape, and poke at SDK internals: the unsafe-any
    // rules would only add casts there, not safety
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // CommonJS files (local/checkNode.cjs runs before anything is built): require() is their import
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
