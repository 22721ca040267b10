import { defineConfig } from 'vitest/config';

// `npm run test:redis`: the server kit on a real redis-server (started by each
// file on a random loopback port). One file at a time: the scale-out test runs
// two hub processes and a proxy, and these machines have 2 cores.
export default defineConfig({
  test: {
    include: ['test/redis/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120000,
    hookTimeout: 60000,
  },
});
