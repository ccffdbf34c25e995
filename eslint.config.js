// Lint for behaviour, not taste: promises must be handled, imports must not form cycles, and the
// layer rule of ../shared/design.md is enforced here. Prettier owns formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const src = (dir) => `./src/${dir}`;
const allLayers = [
  'models',
  'lib',
  'config',
  'store',
  'orchestrator',
  'compute',
  'executor',
  'storage',
  'publisher',
  'transport',
  'api',
  'cli',
  'node',
];

/** A zone forbids `target` to import any layer except those listed in `allowed`. */
function layer(target, allowed, except = []) {
  return allLayers
    .filter((other) => other !== target && !allowed.includes(other))
    .map((other) => ({
      target: src(target),
      from: src(other),
      except: except.map((path) => `./${path}`),
      message: `${target}/ may not import ${other}/ (layer rule, see shared/design.md)`,
    }));
}

const adapters = ['models', 'lib'];
const zones = [
  ...layer('models', []),
  ...layer('lib', ['models']),
  ...layer('config', ['models', 'lib']),
  ...['transport', 'executor', 'storage', 'publisher', 'store'].flatMap((l) => layer(l, adapters)),
  ...layer('orchestrator', [...adapters, 'config', 'transport', 'store', 'executor', 'storage', 'publisher']),
  ...layer('compute', [...adapters, 'config', 'transport', 'store', 'executor', 'storage', 'publisher']),
  ...layer('api', [...adapters, 'config', 'orchestrator']),
  ...layer('cli', [...adapters, 'config', 'api', 'node']),
  ...layer('node', allLayers),
  // The CLI reaches nodes only through api/client; serve and devstack are the exceptions that start one.
  {
    target: src('cli'),
    from: src('api'),
    except: ['./client'],
    message: 'cli/ talks to nodes only through api/client',
  },
  {
    target: src('cli'),
    from: src('node'),
    message: 'only the serve and devstack commands may construct a node',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-properties': [
        'error',
        {
          object: 'AbortSignal',
          property: 'any',
          message:
            'use anySignal (src/lib/any-signal.ts): Node 20 lets the sources of AbortSignal.any be collected unfired, and each call leaks a WeakRef on a long-lived source',
        },
      ],
    },
  },
  {
    // serve and devstack start nodes in-process; they are the only CLI commands allowed to.
    files: ['src/cli/commands/serve/**', 'src/cli/commands/devstack/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        { zones: zones.filter((z) => !(z.target === src('cli') && z.from === src('node'))) },
      ],
    },
  },
  {
    // models must stay browser-safe: the web UI imports it. Its tests run in Node and may read fixtures.
    files: ['src/models/**'],
    ignores: ['src/models/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'src/models is browser-safe' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
);
