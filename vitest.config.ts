import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Interop suites start real clients; give them room, but every wait inside is event-driven.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: real peers plus our process per file; more workers only thrash.
    maxWorkers: 2,
    // A python3-libtorrent helper was twice seen killed by a signal within 0.3 s of starting,
    // with no output: a crash then prints Python's and the native stack to its stderr, which
    // the helpers' "exited before ready" errors quote.
    env: { PYTHONFAULTHANDLER: '1' },
  },
});
