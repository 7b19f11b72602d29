import { enableCompileCache } from 'node:module';

/**
 * Process entry (`npm start`, the Docker image). Node keeps the compiled code of every module it
 * loads in its compile cache (in the OS temporary folder; NODE_COMPILE_CACHE=dir moves it,
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a restart skips compiling Foyer and its
 * libraries again (issue 20: start-up time; TypeScript's tsc does the same). Enabled before
 * anything else is imported, hence the dynamic import; a cache that cannot be written is ignored.
 *
 * `npm run build` bundles Foyer into dist/src/main.js (scripts/bundle.mjs); its source map makes
 * stack traces name the src/ files and lines. Node reads the map of each module loaded after this.
 */
enableCompileCache();
process.setSourceMapsEnabled(true);
await import('./serve.js');
