/**
 * Bundles Foyer's own code into dist/ with esbuild (issue 20: start-up time). `npm run build`
 * typechecks with tsc first; this step only transpiles and joins. The packages in node_modules stay
 * external (imported from node_modules as before): oidc-provider's internals must be the same
 * module instances Foyer reaches into (src/provider/build-provider.ts), native addons cannot be
 * bundled, and libraries load lazily where Foyer imports them lazily (src/lib/lazy-module.ts).
 *
 * Entry points keep their paths (dist/src/main.js for `npm start` and the image,
 * dist/src/cli/index.js for bin/foyer.js, one file per CLI command group so a command still loads
 * only its own code); code they share goes into dist/chunks/. Source maps name the src/ files;
 * main.ts and bin/foyer.js turn them on for stack traces.
 */
import { build } from 'esbuild';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliCommands = readdirSync(join(root, 'src/cli'))
  .filter((f) => /-commands?\.ts$/.test(f))
  .map((f) => `src/cli/${f}`);

// A stale tree (tsc's old per-file output, a previous bundle's chunks) must not be run by mistake.
// dist/ itself stays: the CLI tests keep their build lock and stamp in it (test/cli/cli-harness.ts).
for (const old of ['src', 'migrations', 'chunks', 'checked-catalogs.json', 'cli-sources.json', '.tsbuildinfo']) rmSync(join(root, 'dist', old), { recursive: true, force: true });
/**
 * Libraries bundled with Foyer's code instead of loaded file by file from node_modules: only Foyer
 * uses them (oidc-provider, koa and knex do not), they are plain JavaScript that finds no file of its
 * own at run time, and together they are about 400 modules at start (yaml alone 72, zod 95). Their
 * own dependencies are bundled too, except those oidc-provider, koa or knex load anyway
 * (SHARED_WITH_PROVIDER: bundling them would load the same code twice).
 */
const BUNDLED = new Set(['zod', 'yaml', 'prom-client', '@koa/router', '@koa/bodyparser', 'busboy', 'scim-patch', 'scim2-parse-filter', 'csv-parse', 'csv-stringify', 'intl-messageformat', 'eta']);
const SHARED_WITH_PROVIDER = new Set(['koa', 'koa-compose', 'http-errors', 'debug', 'type-is', 'depd', 'statuses', 'inherits', 'setprototypeof', 'toidentifier', 'ms', 'media-typer', 'mime-types', 'mime-db', 'content-type', 'on-finished', 'ee-first', 'bytes', 'supports-color', 'has-flag']);
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const bundleChosen = {
  name: 'bundle-chosen-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { external: true };
      const name = packageOf(args.path);
      const fromLibrary = args.importer.includes('/node_modules/');
      const bundled = fromLibrary ? !SHARED_WITH_PROVIDER.has(name) : BUNDLED.has(name);
      return bundled ? undefined : { external: true };
    });
  },
};

const common = {
  absWorkingDir: root,
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  plugins: [bundleChosen],
  // CommonJS libraries in the bundle call require() for Node's built-ins.
  banner: { js: "import { createRequire as __foyerCreateRequire } from 'node:module'; const require = __foyerCreateRequire(import.meta.url);" },
  sourcemap: true,
  // Stack traces need the mappings, not the sources (src/ is in the repository): a map a third the size.
  sourcesContent: false,
  // No keepNames: its __name() call on every function and class cost ~10% of the start; Foyer's
  // errors set their name explicitly, and stack traces go through the source map.
  logLevel: 'warning',
};
// The server: one file, so a start resolves and reads one module of Foyer's instead of hundreds.
await build({ ...common, entryPoints: ['src/main.ts'] });
// The CLI: its index and one file per command group, sharing chunks, so that `foyer --help` loads
// the index alone and a command loads its own code (src/cli/command-index.ts).
const cli = await build({ ...common, metafile: true, entryPoints: ['src/cli/index.ts', 'src/i18n/catalogs.ts', 'src/roles/roles-commands.ts', ...cliCommands], splitting: true, chunkNames: 'chunks/[name]-[hash]' });
// Which sources each CLI file holds, for test/cli/loads-no-app.test.ts (what `foyer --help` loads).
const sourcesByFile = Object.entries(cli.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .map(([file, output]) => [file, Object.keys(output.inputs)]);
writeFileSync(join(root, 'dist/cli-sources.json'), JSON.stringify(Object.fromEntries(sourcesByFile)));

// Parse the catalogs once here, so a start can skip the files the build already checked (src/i18n/catalogs.ts).
const { recordCheckedCatalogs } = await import(join(root, 'dist/src/i18n/catalogs.js'));
recordCheckedCatalogs();
