// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.data/', 'bench/results/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Type-aware rules: a forgotten await, a promise where a callback is expected, a switch that misses a case.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // class-validator's @IsOptional() lets null through to the code after validation; request DTOs say
    // Omittable() (undefined only) or Nullable() (API.md's nullable fields) from common/validation/validators.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'class-validator',
              importNames: ['IsOptional'],
              message: 'Use Omittable() or Nullable() (src/common/validation/validators.ts).',
            },
            // Loaded on first use and kept out of the bundle (scripts/bundle.js, LAZY): a static import
            // would load them at start-up again. Types are fine; the code says import() or require().
            ...['nodemailer', '@simplewebauthn/server', 'qrcode', 'pinyin-pro'].map((name) => ({
              name,
              allowTypeImports: true,
              message: 'Load it on first use (await import(...)); see LAZY in scripts/bundle.js.',
            })),
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
