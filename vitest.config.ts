import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast; `integration` runs against the real control plane
// (etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kwok), the DynamoDB-compatible
// store and the VPSie simulator, started once per run by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'forwarder/**/*.test.ts', 'cli/**/*.test.ts', 'test/golden/**/*.test.ts', 'test/vpsie-sim/**/*.test.ts', 'test/contract/**/*.test.ts', 'test/bench/**/*.test.ts', 'scripts/**/*.test.ts', 'infra/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: ['node_modules/**'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
