import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A pattern for imports of these folders of src/ from below src/ (../store/…, ../../store/…). */
const folders = (names, message) => ({
  regex: `^(\\.\\./)+(${names.join('|')})(/|$)`,
  message,
});
/** A pattern for these npm packages (and their subpaths). */
const packages = (names, message) => ({
  regex: `^(${names.join('|')})(/|$)`,
  message,
});
// Bare names (`fs`); `node:` names are caught by a pattern below.
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('node:'));

/**
 * The layering, checked per folder: who may import whom. Tests beside a source file
 * (`*.test.ts`) are held to their folder's rules. Folders are disjoint, so each file
 * gets exactly one set of patterns (a later `no-restricted-imports` would replace it).
 */
const layers = [
  {
    files: ['src/domain/**/*.ts'],
    paths: nodeBuiltins.map((name) => ({
      name,
      message: 'the domain is pure: no I/O, no Node modules; take what it needs as data',
    })),
    patterns: [
      { regex: '^node:', message: 'the domain is pure: no Node modules' },
      folders(
        ['contracts', 'server', 'store', 'agent', 'cli', 'sim'],
        'the domain imports no other layer; contracts sit on the domain, never the reverse',
      ),
      packages(
        ['kysely', 'fastify', '@fastify/.*', 'pg', 'better-sqlite3', 'undici', 'yaml', 'commander'],
        'the domain is pure: storage, HTTP and input parsing live at the edge',
      ),
    ],
  },
  {
    files: ['src/contracts/**/*.ts'],
    patterns: [
      folders(
        ['server', 'store', 'agent', 'cli', 'sim'],
        'contracts are shared by server, agent, CLI and simulator: they import only the domain',
      ),
    ],
  },
  {
    files: ['src/store/**/*.ts'],
    patterns: [
      folders(
        ['server', 'services', 'agent', 'cli', 'sim'],
        'the store knows no services or callers: they import it, never the reverse',
      ),
    ],
  },
  {
    files: ['src/agent/core/**/*.ts'],
    paths: ['child_process', 'node:child_process'].map((name) => ({
      name,
      message: 'the agent core runs nothing itself: commands go through its Host',
    })),
    patterns: [
      folders(
        ['host', 'installers', 'agent/host', 'agent/installers'],
        'the agent core sees the computer only through the Host interface (core/host.ts)',
      ),
      folders(['cli', 'server', 'store'], 'the agent core imports no CLI, server or store'),
    ],
  },
  {
    files: ['src/sim/**/*.ts'],
    patterns: [folders(['cli'], 'the simulator runs the product; the CLI runs the simulator')],
  },
  {
    // The console runs in a browser: it shares the contracts, the pure domain and the
    // transport-free client core with the server, nothing that does I/O in Node.
    files: ['web/**/*.ts', 'web/**/*.tsx'],
    ignores: ['web/vite.config.ts'],
    patterns: [
      { regex: '^node:', message: 'the console runs in a browser: no Node modules' },
      {
        regex: '^(\\.\\./)+src/(server|store|agent|cli|sim)(/|$)',
        message: 'the console calls the server over HTTP; it imports contracts, domain and client',
      },
      {
        regex: '^(\\.\\./)+src/client/(api-client|tls|update-import)(\\.js)?$',
        message: 'the console uses the client core with the fetch transport (no undici)',
      },
    ],
  },
  {
    files: ['src/server/**/*.ts'],
    patterns: [folders(['cli', 'sim'], 'the server imports no CLI or simulator')],
  },
].map(({ files, ignores, paths = [], patterns }) => ({
  files,
  ...(ignores ? { ignores } : {}),
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] },
}));

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'dist-packages/',
      'node_modules/',
      'web/dist/',
      'ringmaster-data/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...layers,
  {
    // vitest's asymmetric matchers (expect.stringContaining …) are typed `any`.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['**/*.js', 'bin/*'],
    ...tseslint.configs.disableTypeChecked,
  },
);
