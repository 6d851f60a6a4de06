import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: the active ISA and thread count are process-wide.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
