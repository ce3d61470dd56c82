import type { Command } from 'commander';
import { loadConfig } from '../../core/config/load-config.js';
import { ConfigError } from '../../core/spec/errors.js';
import { createElasticApi } from './elastic-api.js';
import { parseElasticConfig } from './elastic-config.js';
import { installElastic } from './elastic-install.js';
import { defaultManifestsDir, loadElasticManifests } from './elastic-manifests.js';

/**
 * `verdict install elastic --config FILE`: applies manifests/elastic with the credentials of the
 * config's `platforms.elastic` section. Registered under a shared `install` command so other
 * platforms can add `install <platform>` beside it.
 */
export function createElasticInstallCommand() {
  return (program: Command): void => {
    const install = program.commands.find((command) => command.name() === 'install') ?? program.command('install').description("Install Verdict's assets into a platform");
    install
      .command('elastic')
      .description('Apply the verdict data stream template, ingest pipeline, Kibana saved objects and webhook connector (idempotent)')
      .requiredOption('-c, --config <file>', 'config file with a platforms.elastic section (credentials with the installer privileges)')
      .option('--manifests <dir>', 'manifests/elastic directory', defaultManifestsDir())
      .option('--verdict-url <url>', "URL Kibana's webhook connector posts alerts to", 'http://127.0.0.1:8477')
      .option('--json', 'print the steps as JSON')
      .action(async (options: { config: string; manifests: string; verdictUrl: string; json?: boolean }) => {
        const section = loadConfig(options.config).config.platforms.elastic;
        if (section === undefined) throw new ConfigError(`${options.config} has no platforms.elastic section`);
        const api = createElasticApi(parseElasticConfig(section));
        try {
          // The bearer token of the connector comes from the environment, never from a file or flag.
          const manifests = loadElasticManifests(options.manifests, { verdictUrl: options.verdictUrl, ...(process.env.VERDICT_TOKEN ? { verdictToken: process.env.VERDICT_TOKEN } : {}) });
          const steps = await installElastic(api, manifests);
          if (options.json) process.stdout.write(`${JSON.stringify(steps)}\n`);
          else for (const step of steps) process.stdout.write(`${step.change.padEnd(9)} ${step.kind} ${step.name}\n`);
          const count = (change: string) => steps.filter((step) => step.change === change).length;
          process.stderr.write(
            `elastic: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged; attach manifests/elastic/rule-action.json to detection rules to push alerts\n`,
          );
        } finally {
          await api.close();
        }
      });
  };
}
