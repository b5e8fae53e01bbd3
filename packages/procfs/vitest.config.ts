import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Live tests start containers and namespaces for real; Docker can take seconds per step.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Live tests spawn real processes and containers: run files one at a time on a shared box.
    fileParallelism: false,
  },
});
