#!/usr/bin/env node
// The package bin runs the compiled CLI; `npm install` builds it (the `prepare` script).
import { runCli } from '../dist/src/cli/index.js';

await runCli(process.argv);
