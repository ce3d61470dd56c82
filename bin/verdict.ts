// Entry point of the `verdict` command: wires the platform plugins into the core CLI.
// (core imports no plugin; this file is where the application is assembled.)
import { runCli } from '../core/cli/main.js';
import { createBacktestCommand } from '../core/cli/backtest-command.js';
import { createRunCommand } from '../core/cli/run-command.js';
import { createQueueCommands } from '../core/cli/queue-commands.js';
import { createSplunkPlugin } from '../plugins/splunk/index.js';
import { createElasticInstallCommand, createElasticPlugin } from '../plugins/elastic/index.js';
import { createSentinelPlugin } from '../plugins/sentinel/index.js';
import { registerMcpCommand } from '../plugins/soar/mcp/index.js';

// Config-less plugins normalize and render pushed alerts; `verdict run` builds configured ones.
const plugins = [createSplunkPlugin(), createSentinelPlugin(), createElasticPlugin()];

const connectors = { splunk: (config: unknown) => createSplunkPlugin(config), sentinel: (config: unknown) => createSentinelPlugin(config), elastic: (config: unknown) => createElasticPlugin(config) };

await runCli(process.argv, {
  plugins,
  commands: [createRunCommand(connectors), createQueueCommands({ plugins, writeBack: connectors }), createBacktestCommand(plugins), createElasticInstallCommand(), registerMcpCommand],
});
