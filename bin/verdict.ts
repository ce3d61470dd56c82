// Entry point of the `verdict` command: wires the platform plugins into the core CLI.
// (core imports no plugin; this file is where the application is assembled.)
import { runCli } from '../core/cli/main.js';

await runCli(process.argv, { plugins: [] });
