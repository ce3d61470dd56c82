// Entry point of the `verdict` command: wires the platform plugins into the core CLI.
// (core imports no plugin; this file is where the application is assembled.)
import { runCli } from '../core/cli/main.js';
import { createRunCommand } from '../core/cli/run-command.js';
import { createSplunkPlugin } from '../plugins/splunk/index.js';

await runCli(process.argv, {
  // Config-less plugins normalize and render pushed alerts; `verdict run` builds configured ones.
  plugins: [createSplunkPlugin()],
  commands: [createRunCommand({ splunk: (config) => createSplunkPlugin(config) })],
});
