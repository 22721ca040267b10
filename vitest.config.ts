import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node; unit files that need a DOM opt in to
// happy-dom with a `@vitest-environment happy-dom` comment.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
