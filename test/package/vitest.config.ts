import { defineConfig } from 'vitest/config';

// The packed package, as a consumer installs it (`npm run test:package`, after a build).
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120000,
    hookTimeout: 180000,
  },
});
