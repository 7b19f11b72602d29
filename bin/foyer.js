#!/usr/bin/env node
// The package bin runs the bundled CLI; `npm install` builds it (the `prepare` script). Node's
// compile cache (see src/main.ts) is on before the CLI is imported, so repeated commands skip
// compiling what they load; source maps make stack traces name the src/ files.
import { enableCompileCache } from 'node:module';

enableCompileCache();
process.setSourceMapsEnabled(true);
const { runCli } = await import('../dist/src/cli/index.js');
await runCli(process.argv);
