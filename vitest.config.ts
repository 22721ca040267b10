import { defineConfig } from 'vitest/config';
import workerInline from './tools/worker-inline.mjs';

// Unit and integration tests run in Node; unit files that need a DOM opt in to
// happy-dom with a `@vitest-environment happy-dom` comment.
export default defineConfig({
  // `?worker-inline` imports become the built worker's code, as in the bundles
  plugins: [{ ...workerInline(), enforce: 'pre' }],
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/server/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
