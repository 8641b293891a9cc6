import { defineConfig } from 'tsup';

// dist/index.js (ESM) and dist/index.cjs (CommonJS), each with its own .d.ts / .d.cts;
// dist/demo.js is the Quick-start demo.
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
    entry: ['src/demo.ts'],
    format: ['esm'],
    target: 'node18',
    platform: 'node',
  },
]);
