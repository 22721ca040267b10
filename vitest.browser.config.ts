import { defineConfig } from 'vitest/config';

// Real Chromium (Debian's, driven by playwright-core) against the built bundles.
// One file at a time: each launches a browser, and these machines have 2 cores.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60000,
    hookTimeout: 60000,
  },
});
