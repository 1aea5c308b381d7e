// Type-aware lint: the rules that catch what strict TypeScript alone does not (floating promises above all).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Dependency direction: apps → features → platform libs, never back; libs only through their barrel.
const FEATURES = ['customers', 'prediction', 'transactions', 'fraud', 'reporting', 'recommendation'];
const PLATFORM = ['config', 'contracts', 'database', 'kafka', 'observability', 'random'];
const throughBarrels = [
  { group: ['@nurt/*/**'], message: 'Import a lib through its barrel (@nurt/<lib>), never a deep path.' },
  { group: ['**/libs/**', '../../*/src/**'], message: 'Import another lib through its alias (@nurt/<lib>).' },
];
const forbid = (libs, why) => ({ group: libs.map((l) => `@nurt/${l}`), message: why });
const boundaries = [
  ...FEATURES.map((feature) => ({
    files: [`libs/${feature}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...throughBarrels,
            forbid(
              [...FEATURES.filter((f) => f !== feature), 'runtime', 'gateway'],
              'A feature imports platform libs only: never another feature (talk through Kafka or a client) nor the bootstrap.',
            ),
          ],
        },
      ],
    },
  })),
  ...PLATFORM.map((lib) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...throughBarrels,
            forbid([...FEATURES, 'runtime', 'gateway'], 'A platform lib knows no feature and no bootstrap.'),
          ],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.kafka/**', '.data/**', 'models/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Nest injects by the runtime class, so a decorated constructor's parameter types must stay value imports.
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
  },
  {
    // The dashboard's page script runs in the browser (served as it is, no build step).
    files: ['libs/observability/dashboard/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        Node: 'readonly',
        CSS: 'readonly',
        EventSource: 'readonly',
        Intl: 'readonly',
        Chart: 'readonly',
      },
    },
  },
  ...boundaries,
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // The lab exercises are written as kafkajs' documentation writes them: an eachMessage handler
    // is async by contract, whether or not it awaits anything.
    files: ['exercises/**/*.ts', 'test/fixtures/lab-check/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  prettier,
);
