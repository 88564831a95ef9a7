import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:live` only: never part of `npm test` (the repository's vitest.config.ts includes no
// test/live file). The launch test is included only with VPSIE_LIVE_LAUNCH=1 (it buys a VM). Without
// VPSIE_LIVE_TOKEN the test file fails at once with what is needed (live-settings.ts), nothing is skipped.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/live/read-only.live.test.ts', ...(process.env['VPSIE_LIVE_LAUNCH'] === '1' ? ['test/live/launch.live.test.ts'] : [])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
