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
          // Unit, stack and integration tests share their worker's module graph: importing the
          // SDK and the CDK again for every file cost more CPU than the tests (unit and stack
          // files: 66 s against 29 s; integration files: ~2 s of import each on CI). So a file
          // here leaves no state behind: it mocks SDK client instances, not their prototypes,
          // and restores what it changed in the environment. The runtime-wide tests (e2e,
          // chaos, host, browser) start whole runtimes and child processes and run isolated.
          name: 'shared',
          include: [
            'test/unit/**/*.test.ts',
            'test/infra/**/*.test.ts',
            'test/integration/**/*.test.ts',
          ],
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'isolated',
          include: [
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
