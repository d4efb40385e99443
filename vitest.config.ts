import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Vitest's default is one worker fewer than the cores: one on our 2-core machines, which
    // left a core idle whenever no child process (pwsh, the AWS CLI, npm start) ran.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'tmp/vitest.json' },
    projects: [
      {
        extends: true,
        test: {
          // Unit and stack tests keep no state in modules, so they share their worker's module
          // graph: importing the SDK and the CDK again for every file cost more CPU than the
          // tests (66 s against 29 s here). The integration tests share clients, fleets and
          // clocks through modules and run isolated, as the rest.
          name: 'shared',
          include: ['test/unit/**/*.test.ts', 'test/infra/**/*.test.ts'],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: [
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/chaos/**/*.test.ts',
            'test/host/**/*.test.ts',
            'test/browser/**/*.test.ts',
          ],
        },
      },
    ],
  },
});
