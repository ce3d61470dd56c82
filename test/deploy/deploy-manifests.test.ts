import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../core/config/load-config.js';
import { parseElasticConfig } from '../../plugins/elastic/elastic-config.js';
import { parseSentinelConfig } from '../../plugins/sentinel/sentinel-config.js';
import { parseSplunkConfig } from '../../plugins/splunk/splunk-config.js';
import { CLI, ensureBuilt, ROOT } from '../fault/cli-process.js';

/**
 * The deployment files (deploy/, docs/deployment.md) against the code they run: every YAML
 * parses, the configs validate through loadConfig, every `verdict <command> --flag` exists in the
 * built CLI, and ports, paths and stop timeouts agree with each other and with the config.
 * Docker, systemd and kubectl are not run here: this is what can be checked without them.
 */

const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'kubernetes');
const SYSTEMD = join(DEPLOY, 'systemd');
const read = (path: string): string => readFileSync(path, 'utf8');

type Json = Record<string, any>;

/** Dummy values for every variable the config template reads. */
const ENVIRONMENT: Record<string, string> = {
  VERDICT_STORE_URL: 'postgres://verdict:dummy@127.0.0.1:5432/verdict',
  VERDICT_REDIS_URL: 'redis://127.0.0.1:6379',
  SPLUNK_TOKEN: 'dummy-splunk-token',
  SPLUNK_HEC_TOKEN: 'dummy-hec-token',
  ELASTIC_API_KEY: 'dummy-elastic-key',
  SENTINEL_CLIENT_SECRET: 'dummy-sentinel-secret',
};

const PLATFORM_PARSERS: Record<string, (section: unknown) => unknown> = { splunk: parseSplunkConfig, elastic: parseElasticConfig, sentinel: parseSentinelConfig };

const k8sFiles = readdirSync(K8S).filter((file) => file.endsWith('.yaml'));
const k8sObjects: Json[] = k8sFiles
  .filter((file) => file !== 'kustomization.yaml')
  .flatMap((file) =>
    parseAllDocuments(read(join(K8S, file))).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return document.toJS() as Json;
    }),
  )
  .filter((object) => object !== null);
const ofKind = (kind: string): Json[] => k8sObjects.filter((object) => object.kind === kind);
const named = (kind: string, name: string): Json => {
  const found = k8sObjects.find((object) => object.kind === kind && object.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes`);
  return found;
};
const mainContainer = (deployment: Json): Json => deployment.spec.template.spec.containers[0];
const compose = parse(read(join(DEPLOY, 'compose.yaml')), { merge: true }) as Json;
const templateText = read(join(DEPLOY, 'verdict.config.yaml'));
const configMapText = named('ConfigMap', 'verdict-config').data['verdict.config.yaml'] as string;
const referencedVariables = [...new Set([...templateText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]!))].filter((name) => name !== 'NAME');

/** A systemd unit as key → values (keys may repeat). */
function readUnit(file: string): Map<string, string[]> {
  const unit = new Map<string, string[]>();
  for (const line of read(join(SYSTEMD, file)).split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match) unit.set(match[1]!, [...(unit.get(match[1]!) ?? []), match[2]!]);
  }
  return unit;
}
const units = Object.fromEntries(readdirSync(SYSTEMD).map((file) => [file, readUnit(file)]));
const only = (unit: Map<string, string[]>, key: string): string => {
  const values = unit.get(key) ?? [];
  expect(values, key).toHaveLength(1);
  return values[0]!;
};

/** The value after `flag` in an argument list. */
const flagValue = (args: readonly string[], flag: string): string | undefined => {
  const index = args.indexOf(flag);
  return index < 0 ? undefined : args[index + 1];
};

/** `verdict …` argument lists from compose, systemd and Kubernetes, with where each came from. */
function verdictInvocations(): Array<{ where: string; args: string[] }> {
  const found: Array<{ where: string; args: string[] }> = [];
  for (const [name, service] of Object.entries(compose.services as Record<string, Json>)) {
    if (service.image === 'verdict:local' && service.entrypoint === undefined) found.push({ where: `compose ${name}`, args: service.command });
  }
  for (const [file, unit] of Object.entries(units)) {
    const words = only(unit, 'ExecStart').split(/\s+/);
    const at = words.findIndex((word) => word.endsWith('dist/verdict.js'));
    expect(at, `${file} ExecStart runs dist/verdict.js`).toBeGreaterThan(0);
    found.push({ where: `systemd ${file}`, args: words.slice(at + 1) });
  }
  for (const deployment of ofKind('Deployment')) {
    for (const container of deployment.spec.template.spec.containers as Json[]) {
      expect(container.command, `${deployment.metadata.name}: the image's entrypoint runs verdict`).toBeUndefined();
      found.push({ where: `k8s ${deployment.metadata.name}`, args: container.args });
    }
  }
  return found;
}

let work: string;
let shutdownSeconds: number;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'verdict-deploy-'));
  shutdownSeconds = loadConfig(join(DEPLOY, 'verdict.config.yaml'), { ...ENVIRONMENT, VERDICT_HOME: work }).config.queue!.shutdownSeconds;
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('deploy/: the config', () => {
  it('the sample config validates through loadConfig, with the store and Redis from the environment', () => {
    const loaded = loadConfig(join(DEPLOY, 'verdict.config.yaml'), { ...ENVIRONMENT, VERDICT_HOME: work });
    expect(loaded.config.store).toEqual({ kind: 'postgres', url: ENVIRONMENT.VERDICT_STORE_URL });
    expect(loaded.config.queue?.redis).toBe(ENVIRONMENT.VERDICT_REDIS_URL);
    expect(referencedVariables).toEqual(expect.arrayContaining(['VERDICT_STORE_URL', 'VERDICT_REDIS_URL']));
  });

  it('the ConfigMap holds the same config, and it validates too', () => {
    expect(parse(configMapText)).toEqual(parse(templateText));
    const file = join(work, 'configmap.verdict.config.yaml');
    writeFileSync(file, configMapText);
    expect(loadConfig(file, { ...ENVIRONMENT, VERDICT_HOME: work }).config.queue).toBeDefined();
  });

  it('render-config fills in the platform credentials; the result loads and each platform section parses', () => {
    const out = join(work, 'rendered.yaml');
    const run = spawnSync(process.execPath, [join(DEPLOY, 'render-config.mjs'), join(DEPLOY, 'verdict.config.yaml'), out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...ENVIRONMENT },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const rendered = read(out);
    // store.url and queue.redis stay references: Verdict reads them from the environment itself.
    expect(rendered).toContain('${VERDICT_STORE_URL}');
    expect(rendered).toContain('${VERDICT_REDIS_URL}');
    expect(rendered).not.toContain('${SPLUNK_TOKEN}');
    const loaded = loadConfig(out, { ...ENVIRONMENT, VERDICT_HOME: work });
    expect(Object.keys(loaded.config.platforms).length).toBeGreaterThan(0);
    for (const [id, section] of Object.entries(loaded.config.platforms)) {
      expect(PLATFORM_PARSERS[id], `platforms.${id} has a parser in this test`).toBeDefined();
      expect(() => PLATFORM_PARSERS[id]!(section)).not.toThrow();
    }
    expect(loaded.config.platforms.splunk).toMatchObject({ auth: { token: ENVIRONMENT.SPLUNK_TOKEN }, hecToken: ENVIRONMENT.SPLUNK_HEC_TOKEN });
  });

  it('render-config names an unset variable and writes nothing', () => {
    const out = join(work, 'not-rendered.yaml');
    const run = spawnSync(process.execPath, [join(DEPLOY, 'render-config.mjs'), join(DEPLOY, 'verdict.config.yaml'), out], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, VERDICT_STORE_URL: 'x', VERDICT_REDIS_URL: 'y' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('SPLUNK_TOKEN');
    expect(existsSync(out)).toBe(false);
  });
});

describe('deploy/: every verdict command and flag exists in the built CLI', () => {
  it('compose, systemd and Kubernetes run only commands and flags `verdict <command> --help` knows', () => {
    ensureBuilt();
    const invocations = verdictInvocations();
    expect(new Set(invocations.map((invocation) => invocation.args[0]))).toEqual(new Set(['serve', 'run', 'worker']));
    const helpOf = new Map<string, string>();
    for (const { where, args } of invocations) {
      const command = args[0]!;
      if (!helpOf.has(command)) {
        const help = spawnSync(process.execPath, [CLI, command, '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        expect(help.status, `verdict ${command} --help: ${help.stderr}`).toBe(0);
        expect(help.stdout, `verdict ${command} is a command`).toContain(`Usage: verdict ${command}`);
        helpOf.set(command, help.stdout);
      }
      const known = new Set(helpOf.get(command)!.match(/--[a-z][a-z-]*/g));
      for (const flag of args.filter((arg) => arg.startsWith('--'))) expect(known.has(flag), `${where}: verdict ${command} ${flag}`).toBe(true);
      // `verdict run` requires --config; every deployment names its config explicitly.
      expect(flagValue(args, '--config'), `${where} passes --config`).toBeDefined();
    }
  });
});

describe('deploy/kubernetes', () => {
  it('every object parses and has apiVersion, kind and metadata.name, and none pins a namespace', () => {
    expect(k8sObjects.length).toBeGreaterThan(0);
    for (const object of k8sObjects) {
      expect(object.apiVersion, JSON.stringify(object).slice(0, 80)).toEqual(expect.any(String));
      expect(object.kind).toEqual(expect.any(String));
      expect(object.metadata?.name, `${object.kind} has a name`).toEqual(expect.any(String));
      expect(object.metadata?.namespace, `${object.kind} ${object.metadata?.name} is namespace-agnostic`).toBeUndefined();
    }
  });

  it('has the expected kinds: three Deployments, a Service, ConfigMap, Secret, HPA and PDB; the kustomization lists every file', () => {
    const counts: Record<string, number> = {};
    for (const object of k8sObjects) counts[object.kind] = (counts[object.kind] ?? 0) + 1;
    expect(counts).toEqual({ Deployment: 3, Service: 1, ConfigMap: 1, Secret: 1, HorizontalPodAutoscaler: 1, PodDisruptionBudget: 1 });
    expect(ofKind('HorizontalPodAutoscaler')[0]!.apiVersion).toBe('autoscaling/v2');
    const kustomization = parse(read(join(K8S, 'kustomization.yaml'))) as Json;
    expect([...kustomization.resources].sort()).toEqual(k8sFiles.filter((file) => file !== 'kustomization.yaml').sort());
  });

  it('the Secret has placeholders for the store, Redis and every credential the config reads; containers refer only to its keys', () => {
    const secret = named('Secret', 'verdict');
    const keys = Object.keys(secret.stringData);
    for (const name of referencedVariables.filter((name) => /^(VERDICT_|SPLUNK_)/.test(name))) expect(keys, `Secret has ${name}`).toContain(name);
    for (const value of Object.values(secret.stringData) as string[]) expect(value, 'a placeholder, never a secret').toContain('REPLACE_ME');
    for (const deployment of ofKind('Deployment')) {
      const spec = deployment.spec.template.spec;
      for (const container of [...(spec.initContainers ?? []), ...spec.containers] as Json[]) {
        for (const variable of (container.env ?? []) as Json[]) {
          const reference = variable.valueFrom?.secretKeyRef;
          if (reference) expect(keys, `${deployment.metadata.name}/${container.name} ${variable.name}`).toContain(reference.key);
        }
        for (const from of (container.envFrom ?? []) as Json[]) expect(from.secretRef?.name).toBe('verdict');
      }
    }
  });

  it('config paths agree: ConfigMap → render-config init container → --config of the main container', () => {
    for (const deployment of ofKind('Deployment')) {
      const spec = deployment.spec.template.spec;
      const volumes = new Map((spec.volumes as Json[]).map((volume) => [volume.name, volume]));
      const init = (spec.initContainers as Json[]).find((container) => container.name === 'render-config')!;
      expect(init, `${deployment.metadata.name} renders its config`).toBeDefined();
      const [node, script, template, rendered] = init.command as string[];
      expect([node, script]).toEqual(['node', 'deploy/render-config.mjs']);
      const mountOf = (container: Json, path: string): Json => {
        const mount = (container.volumeMounts as Json[]).find((candidate) => path.startsWith(`${candidate.mountPath}/`));
        expect(mount, `${deployment.metadata.name}/${container.name} mounts ${path}`).toBeDefined();
        return mount!;
      };
      const templateMount = mountOf(init, template!);
      expect(volumes.get(templateMount.name)?.configMap?.name).toBe('verdict-config');
      expect(template!.slice(templateMount.mountPath.length + 1)).toBe('verdict.config.yaml');
      const main = mainContainer(deployment);
      expect(flagValue(main.args, '--config')).toBe(rendered);
      expect(mountOf(main, rendered!).name).toBe(mountOf(init, rendered!).name);
      expect(main.image).toBe(init.image);
      expect(main.image).toBe(mainContainer(named('Deployment', 'verdict-worker')).image);
      expect(spec.terminationGracePeriodSeconds, `${deployment.metadata.name} terminationGracePeriodSeconds > queue.shutdownSeconds`).toBeGreaterThan(shutdownSeconds);
      expect(spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('workers: metrics port = --metrics-port = scrape annotation = probe port; /healthz probes; resources; HPA, PDB and labels match', () => {
    const worker = named('Deployment', 'verdict-worker');
    const container = mainContainer(worker);
    const port = (container.ports as Json[]).find((candidate) => candidate.name === 'metrics')!;
    expect(String(port.containerPort)).toBe(flagValue(container.args, '--metrics-port'));
    expect(flagValue(container.args, '--metrics-host'), 'probes and Prometheus reach the pod IP, not loopback').toBe('0.0.0.0');
    const annotations = worker.spec.template.metadata.annotations;
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/port']).toBe(String(port.containerPort));
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect([port.name, port.containerPort]).toContain(probe.httpGet.port);
    }
    expect(container.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    expect(container.resources.limits).toMatchObject({ memory: expect.anything() });

    const hpa = ofKind('HorizontalPodAutoscaler')[0]!;
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: worker.metadata.name });
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(1);
    const external = (hpa.spec.metrics as Json[]).find((metric) => metric.type === 'External')!.external;
    // Named after the gauge the worker exports (core/queue/worker.ts), on its waiting state.
    expect(read(join(ROOT, 'core/queue/worker.ts'))).toContain(`name: '${external.metric.name}'`);
    expect(external.metric.name).toBe('verdict_queue_jobs');
    expect(external.metric.selector.matchLabels).toEqual({ state: 'waiting' });
    expect(worker.spec.replicas, 'the HPA owns the replica count').toBeUndefined();

    const podLabels = worker.spec.template.metadata.labels;
    expect(podLabels).toMatchObject(worker.spec.selector.matchLabels);
    const pdb = ofKind('PodDisruptionBudget')[0]!;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(named('Deployment', 'verdict-serve').spec.template.metadata.labels).not.toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('serve: port 8477 in the args, the container and the Service; /readyz and /healthz probes', () => {
    const serve = named('Deployment', 'verdict-serve');
    const container = mainContainer(serve);
    const loaded = loadConfig(join(DEPLOY, 'verdict.config.yaml'), { ...ENVIRONMENT, VERDICT_HOME: work });
    const portArg = Number(flagValue(container.args, '--port') ?? loaded.config.server.port);
    expect(portArg).toBe(8477);
    expect(flagValue(container.args, '--host')).toBe('0.0.0.0');
    const http = (container.ports as Json[]).find((candidate) => candidate.name === 'http')!;
    expect(http.containerPort).toBe(portArg);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const service = ofKind('Service')[0]!;
    expect(serve.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0]).toMatchObject({ port: 8477, targetPort: 'http' });
  });

  it('the connector runs one replica, recreated (never two pulling at once)', () => {
    const connector = named('Deployment', 'verdict-connector');
    expect(mainContainer(connector).args[0]).toBe('run');
    expect(connector.spec.replicas).toBe(1);
    expect(connector.spec.strategy.type).toBe('Recreate');
  });
});

describe('deploy/compose.yaml', () => {
  const services = compose.services as Record<string, Json>;

  it('redis with AOF fsync always and a volume; postgres 16 with a volume and a healthcheck', () => {
    const redis = services.redis!;
    expect(redis.image).toBe('redis:7');
    const command = (redis.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync always');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect((redis.volumes as string[]).some((volume) => volume.endsWith(':/data'))).toBe(true);
    const postgres = services.postgres!;
    expect(postgres.image).toBe('postgres:16');
    expect(postgres.healthcheck?.test).toBeDefined();
    expect((postgres.volumes as string[]).some((volume) => volume.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    for (const volume of [...redis.volumes, ...postgres.volumes] as string[]) expect(Object.keys(compose.volumes)).toContain(volume.split(':')[0]);
  });

  it('verdict-serve, verdict-run and verdict-worker: their commands, depends_on, and the rendered config', () => {
    const expected: Record<string, { command: string; needs: string[] }> = {
      'verdict-serve': { command: 'serve', needs: ['postgres', 'verdict-config'] },
      'verdict-run': { command: 'run', needs: ['postgres', 'redis', 'verdict-config'] },
      'verdict-worker': { command: 'worker', needs: ['postgres', 'redis', 'verdict-config'] },
    };
    const render = services['verdict-config']!;
    expect(render.entrypoint).toEqual(['node', 'deploy/render-config.mjs']);
    const [template, rendered] = render.command as string[];
    expect(render.volumes).toContain(`./verdict.config.yaml:${template}:ro`);
    expect(existsSync(join(DEPLOY, 'verdict.config.yaml'))).toBe(true);
    for (const [name, { command, needs }] of Object.entries(expected)) {
      const service = services[name]!;
      expect(service.command[0], name).toBe(command);
      expect(flagValue(service.command, '--config'), `${name} reads the rendered config`).toBe(rendered);
      expect(Object.keys(service.depends_on).sort(), `${name} depends_on`).toEqual(needs);
      expect(service.depends_on['verdict-config'].condition).toBe('service_completed_successfully');
      for (const dependency of needs.filter((need) => need !== 'verdict-config')) expect(service.depends_on[dependency].condition).toBe('service_healthy');
      expect(service.env_file).toBe('.env');
      expect(service.user ?? 'image default (non-root)').not.toBe('root');
    }
  });

  it('workers scale (deploy.replicas), drain within stop_grace_period > queue.shutdownSeconds, and publish no fixed port', () => {
    const worker = services['verdict-worker']!;
    expect(worker.deploy.replicas).toBeGreaterThanOrEqual(1);
    expect(worker.ports).toBeUndefined();
    expect(worker.stop_signal).toBe('SIGTERM');
    expect(Number.parseInt(worker.stop_grace_period, 10)).toBeGreaterThan(shutdownSeconds);
    expect(flagValue(worker.command, '--metrics-host')).toBe('0.0.0.0');
    expect(worker.healthcheck.test.join(' ')).toContain(`:${flagValue(worker.command, '--metrics-port')}/healthz`);
    expect(services['verdict-serve']!.ports).toEqual(['127.0.0.1:8477:8477']);
  });

  it('.env.example has every variable the config and compose read, with placeholders only', () => {
    const example = read(join(DEPLOY, '.env.example'));
    const defined = new Map([...example.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((match) => [match[1]!, match[2]!]));
    for (const name of [...referencedVariables.filter((name) => !/^(ELASTIC|SENTINEL)_/.test(name)), 'POSTGRES_PASSWORD']) expect([...defined.keys()], name).toContain(name);
    expect(defined.get('VERDICT_STORE_URL')).toContain(`:${defined.get('POSTGRES_PASSWORD')}@postgres:5432/`);
    expect(read(join(DEPLOY, '.gitignore'))).toMatch(/^\.env$/m);
  });
});

describe('node options', () => {
  it('every deployment file and every bench runs node with the same options (what the benches measure is what is deployed)', () => {
    const found = new Map<string, string>();
    for (const [file, unit] of Object.entries(units))
      for (const value of unit.get('Environment') ?? []) for (const match of value.matchAll(/NODE_OPTIONS=(\S+)/g)) found.set(`systemd/${file}`, match[1]!);
    found.set('Dockerfile', /NODE_OPTIONS=(\S+)/.exec(read(join(DEPLOY, 'Dockerfile')))![1]!);
    for (const document of parseAllDocuments(read(join(K8S, 'worker-deployment.yaml')))) {
      for (const container of (document.toJS() as Json)?.spec?.template?.spec?.containers ?? []) {
        for (const variable of container.env ?? []) if (variable.name === 'NODE_OPTIONS') found.set(`kubernetes/${container.name}`, variable.value);
      }
    }
    const scripts = (JSON.parse(read(join(ROOT, 'package.json'))) as Json).scripts as Record<string, string>;
    for (const name of ['bench', 'bench:server']) found.set(`npm run ${name}`, /NODE_OPTIONS=(\S+)/.exec(scripts[name]!)?.[1] ?? '(none)');
    found.set('bench:scale workers', /'node-options': \{ type: 'string', default: '([^']+)' \}/.exec(read(join(ROOT, 'scripts', 'bench', 'run-bench-scale.ts')))?.[1] ?? '(none)');
    expect(found.size).toBeGreaterThanOrEqual(8);
    expect(new Set(found.values()), JSON.stringify(Object.fromEntries(found))).toEqual(new Set(['--max-semi-space-size=64']));
  });
});

describe('deploy/systemd', () => {
  it('has the worker template and the serve and run units', () => {
    expect(Object.keys(units).sort()).toEqual(['verdict-run.service', 'verdict-serve.service', 'verdict-worker@.service']);
  });

  it.each(Object.keys(units))('%s: hardened, verdict.env, SIGTERM, TimeoutStopSec > queue.shutdownSeconds, restart on failure', (file) => {
    const unit = units[file]!;
    expect(unit.has('DynamicUser') || unit.has('User')).toBe(true);
    expect(only(unit, 'NoNewPrivileges')).toBe('yes');
    expect(only(unit, 'ProtectSystem')).toBe('strict');
    expect(only(unit, 'StateDirectory')).toBeTruthy();
    expect(only(unit, 'EnvironmentFile')).toBe('/etc/verdict/verdict.env');
    expect(only(unit, 'KillSignal')).toBe('SIGTERM');
    expect(Number(only(unit, 'TimeoutStopSec'))).toBeGreaterThan(shutdownSeconds);
    expect(only(unit, 'Restart')).toBe('on-failure');
    // The config arrives as a credential, is rendered into the runtime directory, and that copy is what runs.
    expect(only(unit, 'LoadCredential')).toBe('verdict.config.yaml:/etc/verdict/verdict.config.yaml');
    const render = only(unit, 'ExecStartPre').split(/\s+/);
    expect(render.slice(1, 3)).toEqual(['/opt/verdict/deploy/render-config.mjs', '%d/verdict.config.yaml']);
    expect(render[3]).toBe(`/run/${only(unit, 'RuntimeDirectory')}/verdict.config.yaml`);
    expect(flagValue(only(unit, 'ExecStart').split(/\s+/), '--config')).toBe(render[3]);
  });

  it('worker instances get their own metrics port from the instance name', () => {
    const start = only(units['verdict-worker@.service']!, 'ExecStart').split(/\s+/);
    expect(flagValue(start, '--metrics-port')).toMatch(/%i/);
  });
});

describe('deploy/Dockerfile and the guide', () => {
  it('builds on node:20-bookworm-slim with npm ci and npm run build, and runs node dist/verdict.js as a non-root user', () => {
    const dockerfile = read(join(DEPLOY, 'Dockerfile'));
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) expect(from).toBe('node:20-bookworm-slim');
    expect(dockerfile).toMatch(/^RUN npm ci$/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/verdict\.js"\]$/m);
    const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.at(-1)).toBeDefined();
    expect(users.at(-1)).not.toMatch(/^(root|0)$/);
    expect(dockerfile).toContain('deploy/render-config.mjs');
    // The bundle's runtime files: the LLM prompts are copied next to it by the build.
    expect(read(join(ROOT, 'scripts/build.js'))).toContain("'dist/prompts'");
  });

  it('docs/deployment.md has the prometheus-adapter rule, a Sizing section with the bench figures, and README links it', () => {
    const guide = read(join(ROOT, 'docs/deployment.md'));
    expect(guide).toContain('seriesQuery: \'verdict_queue_jobs{namespace!=""}\'');
    expect(guide).toMatch(/^## Sizing/m);
    expect(guide).not.toContain('TBD');
    // The sizing figures are the measured ones in docs/results.md.
    const results = read(join(ROOT, 'docs/results.md'));
    for (const figure of ['16,305', '27,696', '26,640']) {
      expect(guide, figure).toContain(figure);
      expect(results, figure).toContain(figure);
    }
    expect(read(join(ROOT, 'README.md'))).toContain('(docs/deployment.md)');
  });
});
