import { defineConfig } from 'tsup';

// dist/index.js (ESM) and dist/index.cjs (CommonJS), each with its own .d.ts / .d.cts;
// dist/demo.js is the database demo, dist/cli.js the `quiverdb` command.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    target: 'node18',
    platform: 'node',
    clean: true,
    sourcemap: true,
  },
  {
    entry: { demo: 'src/demo.ts', cli: 'src/cli/quiverdb.ts' },
    format: ['esm'],
    target: 'node18',
    platform: 'node',
  },
]);
