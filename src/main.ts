import { enableCompileCache } from 'node:module';

/**
 * Process entry (`npm start`, the Docker image). Node keeps the compiled code of every module it
 * loads in its compile cache (in the OS temporary folder; NODE_COMPILE_CACHE=dir moves it,
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off), so a restart skips compiling Foyer and its
 * libraries again (issue 20: start-up time; TypeScript's tsc does the same). Enabled before
 * anything else is imported, hence the dynamic import; a cache that cannot be written is ignored.
 */
enableCompileCache();
await import('./serve.js');
