import { type BuildOptions, build, type Plugin } from 'esbuild';

/**
 * The Lambda bundles, built with esbuild's API rather than `NodejsFunction`'s CLI call because two
 * of their biggest parts are dead weight that only a plugin can drop:
 *
 * - zod's 60-odd locale files (~260 KB): `export * as locales` keeps them all (esbuild cannot
 *   tree-shake a namespace re-export, colinhacks/zod#6050); the handlers' messages are English.
 * - the credential providers for profiles, SSO and web identity and the nested STS/SSO clients they
 *   load (~80 KB): a Lambda function's credentials always come from its environment, which the
 *   default chain reads first; container and instance metadata stay.
 *
 * The AWS SDK is bundled: that pins the version the tests ran against, not the runtime's copy.
 */

/** Modules that only serve credential sources a Lambda function never has. */
const PROFILE_CREDENTIAL_MODULES =
  /^@aws-sdk\/(?:credential-provider-(?:ini|sso|process|web-identity|login)|nested-clients(?:\/.*)?|token-providers)$/;

const UNAVAILABLE = `
const unavailable = (name) => () => {
  throw new Error(name + ' is not bundled: Lambda credentials come from the environment');
};
export const fromIni = unavailable('fromIni');
export const fromSSO = unavailable('fromSSO');
export const fromProcess = unavailable('fromProcess');
export const fromTokenFile = unavailable('fromTokenFile');
export const fromWebToken = unavailable('fromWebToken');
export const fromLoginCredentials = unavailable('fromLoginCredentials');
export const getDefaultRoleAssumer = unavailable('getDefaultRoleAssumer');
export const getDefaultRoleAssumerWithWebIdentity = unavailable('getDefaultRoleAssumerWithWebIdentity');
`;

export const leanBundle: Plugin = {
  name: 'session-janitor-lean',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]zod[/\\]v4[/\\]/.test(args.importer)
        ? { path: 'zod-locales-en', namespace: 'session-janitor', pluginData: args.resolveDir }
        : undefined
    );
    plugin.onResolve({ filter: PROFILE_CREDENTIAL_MODULES }, (args) => ({
      path: args.path,
      namespace: 'session-janitor-unavailable',
    }));
    // Resolved beside the zod that imported the index, so it is that copy's English locale.
    plugin.onLoad({ filter: /.*/, namespace: 'session-janitor' }, (args) => ({
      contents: "export { default as en } from '../locales/en.js';",
      resolveDir: args.pluginData as string,
      loader: 'js',
    }));
    plugin.onLoad({ filter: /.*/, namespace: 'session-janitor-unavailable' }, () => ({
      contents: UNAVAILABLE,
      loader: 'js',
    }));
  },
};

/** The settings every handler bundle is built with (tested for Node.js 22 on ARM64). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'none',
  outExtension: { '.js': '.mjs' },
  // Some bundled dependencies are CommonJS and call require(); ESM output has none.
  banner: {
    js: "import { createRequire as __sjCreateRequire } from 'node:module'; const require = __sjCreateRequire(import.meta.url);",
  },
  plugins: [leanBundle],
  logLevel: 'warning',
} satisfies BuildOptions;

/**
 * The goal of issue 13 for every handler bundle, in bytes: at most 700 KiB. The bundle test fails
 * above it and the cold-start bench reports against it, so the two cannot hold different goals.
 */
export const MAX_BUNDLE_BYTES = 700 * 1024;

/** Builds `entry` into `outdir/index.mjs` (+ its source map); returns the bundle's size in bytes. */
export async function bundleHandler(entry: string, outdir: string): Promise<number> {
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: { index: entry },
    outdir,
    metafile: true,
  });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'));
  return output?.[1].bytes ?? 0;
}
