import { defineConfig } from 'vitest/config';

// Benchmarks that need vitest's TypeScript handling (the upload page helpers).
// Run by bench/run.mjs; not part of `npm test` or CI.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 900000,
    hookTimeout: 120000,
  },
});
