import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Interop suites start real clients; give them room, but every wait inside is event-driven.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real peers plus our process per file; more workers only thrash.
    maxWorkers: 2,
  },
});
