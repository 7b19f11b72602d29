#!/usr/bin/env node
// The package bin runs the compiled CLI; `npm install` builds it (the `prepare` script). Node's
// compile cache (see src/main.ts) is on before the CLI is imported, so repeated commands skip
// compiling what they load.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { runCli } = await import('../dist/src/cli/index.js');
await runCli(process.argv);
