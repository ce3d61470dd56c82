import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConf, type ParsedConf } from './conf-file.js';
import { mergeConfSpecs, parseConfSpec, validateConf, type ConfSpec } from './conf-spec.js';

/**
 * AppInspect-style checks of a Splunk app package (platforms.md §1.1, check names from an older
 * public AppInspect release) plus validation of every .conf against the Splunk 9.2 specs and
 * the app's own README/*.conf.spec. Works on archive entries, so it lints what ships.
 */

export interface AppEntry {
  /** Path inside the archive, top folder included: `verdict_app/default/app.conf`. */
  path: string;
  type: 'file' | 'directory' | 'other';
  mode: number;
  content?: Buffer;
}

export interface LintIssue {
  /** Path inside the app folder, e.g. `default/alert_actions.conf`. */
  file: string;
  line?: number;
  stanza?: string;
  key?: string;
  check: string;
  message: string;
}

export function formatLintIssue(issue: LintIssue): string {
  const where = `${issue.file}${issue.line ? `:${issue.line}` : ''}${issue.stanza !== undefined ? ` [${issue.stanza}]` : ''}${issue.key ? ` ${issue.key}` : ''}`;
  return `${where}: ${issue.message} (${issue.check})`;
}

/** Only these keys are valid in a commands.conf stanza with `chunked = true` (commands.conf.spec). */
const CHUNKED_KEYS = [/^chunked$/, /^is_risky$/, /^maxwait$/, /^maxchunksize$/, /^filename$/, /^command\.arg\.\d+$/, /^python\.version$/, /^run_in_preview$/];
const PLATFORM_BIN_DIRS = ['linux_x86_64/bin', 'linux_x86/bin', 'windows_x86_64/bin', 'windows_x86/bin', 'darwin_x86_64/bin', 'bin'];
const isTrue = (value: string | undefined): boolean => ['1', 'true', 't', 'yes', 'y'].includes((value ?? '').toLowerCase());

export function loadSplunkSpecs(specDirectory: string): Map<string, ConfSpec> {
  const specs = new Map<string, ConfSpec>();
  for (const name of readdirSync(specDirectory).filter((file) => file.endsWith('.spec'))) {
    specs.set(name.replace(/\.spec$/, ''), parseConfSpec(readFileSync(join(specDirectory, name), 'utf8'), name));
  }
  return specs;
}

export function lintSplunkApp(entries: AppEntry[], platformSpecs: Map<string, ConfSpec>): LintIssue[] {
  const issues: LintIssue[] = [];
  const add = (issue: LintIssue): void => void issues.push(issue);
  const tops = new Set(entries.map((entry) => entry.path.split('/')[0] ?? ''));
  if (tops.size !== 1) {
    add({ file: '.', check: 'check_that_extracted_splunk_app_does_not_contain_files_outside_of_app', message: `the package must have exactly one top-level folder; found ${[...tops].join(', ')}` });
    return issues;
  }
  const top = [...tops][0] ?? '';
  const files = new Map<string, AppEntry>();
  for (const entry of entries) {
    const relative = entry.path.slice(top.length + 1).replace(/\/$/, '');
    if (relative === '') continue;
    checkEntry(relative, entry, add);
    if (entry.type === 'file') files.set(relative, entry);
  }
  const text = (file: string): string | undefined => files.get(file)?.content?.toString('utf8');
  const confs = new Map<string, ParsedConf>();
  for (const file of files.keys()) {
    if (!/^default\/[^/]+\.conf$/.test(file) && file !== 'metadata/default.meta') continue;
    const parsed = parseConf(text(file) ?? '');
    confs.set(file, parsed);
    for (const issue of parsed.issues) add({ file, line: issue.line, check: 'conf_syntax', message: issue.message });
  }
  const setting = (file: string, stanza: string, key: string): string | undefined =>
    confs
      .get(file)
      ?.stanzas.find((item) => item.name === stanza)
      ?.settings.filter((item) => item.key === key)
      .at(-1)?.value;

  // app.conf: presence, id = folder, version, setup not performed.
  if (!files.has('default/app.conf')) {
    add({ file: 'default/app.conf', check: 'check_that_extracted_splunk_app_contains_default_app_conf_file', message: 'default/app.conf is missing' });
  } else {
    const packageId = setting('default/app.conf', 'package', 'id');
    if (packageId !== top)
      add({
        file: 'default/app.conf',
        stanza: 'package',
        key: 'id',
        check: 'check_that_directory_name_matches_package_id',
        message: `[package] id is ${JSON.stringify(packageId ?? '')} but the top folder is ${top}`,
      });
    if (/^\d/.test(top)) add({ file: 'default/app.conf', stanza: 'package', key: 'id', check: 'check_that_app_name_config_is_valid', message: 'the app id must not start with a digit' });
    const version = setting('default/app.conf', 'id', 'version') ?? setting('default/app.conf', 'launcher', 'version');
    if (!version || !/^\d+\.\d+\.\d+([-+.][\w.-]+)?$/.test(version))
      add({
        file: 'default/app.conf',
        stanza: 'id',
        key: 'version',
        check: 'check_that_extracted_splunk_app_contains_default_app_conf_file_with_valid_version_number',
        message: `version ${JSON.stringify(version ?? '')} is not Major.Minor.Revision`,
      });
    if (isTrue(setting('default/app.conf', 'install', 'is_configured')))
      add({
        file: 'default/app.conf',
        stanza: 'install',
        key: 'is_configured',
        check: 'check_that_setup_has_not_been_performed',
        message: 'must not be true in a package: the setup page sets it after install',
      });
    if (setting('default/app.conf', 'install', 'install_source_checksum') !== undefined)
      add({ file: 'default/app.conf', stanza: 'install', key: 'install_source_checksum', check: 'check_no_install_source_checksum', message: 'must not be set in a package' });
  }

  // Alert actions: payload format, script, form, icon; no .path pointers.
  for (const stanza of confs.get('default/alert_actions.conf')?.stanzas ?? []) {
    if (!isTrue(setting('default/alert_actions.conf', stanza.name, 'is_custom'))) continue;
    const at = { file: 'default/alert_actions.conf', stanza: stanza.name };
    const payloadFormat = setting(at.file, stanza.name, 'payload_format');
    if (payloadFormat !== 'json' && payloadFormat !== 'xml')
      add({ ...at, key: 'payload_format', check: 'check_for_payload_format', message: 'set payload_format = json explicitly (the default is xml)' });
    const command = setting(at.file, stanza.name, 'alert.execute.cmd');
    if (command?.endsWith('.path')) add({ ...at, key: 'alert.execute.cmd', check: 'check_alert_actions_exe_exist', message: 'a .path pointer fails on Splunk Cloud; point at a script in bin/' });
    const scripts = command ? [`bin/${command}`] : ['py', 'sh', 'js', 'exe', 'bat', 'cmd'].map((extension) => `bin/${stanza.name}.${extension}`);
    if (!scripts.some((script) => files.has(script))) add({ ...at, key: 'alert.execute.cmd', check: 'check_alert_actions_exe_exist', message: `the alert script ${scripts[0]} is not in the package` });
    if (!files.has(`default/data/ui/alerts/${stanza.name}.html`))
      add({ ...at, check: 'check_workflow_html_exists_for_custom_alert', message: `default/data/ui/alerts/${stanza.name}.html is missing` });
    const icon = setting(at.file, stanza.name, 'icon_path');
    if (!icon || !files.has(`appserver/static/${icon}`))
      add({ ...at, key: 'icon_path', check: 'check_alert_icon_exists_for_custom_alerts', message: `the icon appserver/static/${icon ?? '<unset>'} is missing` });
  }

  // Custom search commands: script exists; chunked (v2) stanzas take only the v2 keys.
  for (const stanza of confs.get('default/commands.conf')?.stanzas ?? []) {
    if (stanza.name === 'default') continue;
    const at = { file: 'default/commands.conf', stanza: stanza.name };
    const filename = setting(at.file, stanza.name, 'filename');
    if (!filename) add({ ...at, key: 'filename', check: 'check_command_scripts_exist', message: 'filename is required' });
    else if (filename.endsWith('.path')) add({ ...at, key: 'filename', check: 'check_command_scripts_exist', message: 'a .path pointer is rejected on Splunk Cloud; ship the script in bin/' });
    else if (!PLATFORM_BIN_DIRS.some((directory) => files.has(`${directory}/${filename}`)))
      add({ ...at, key: 'filename', check: 'check_command_scripts_exist', message: `bin/${filename} is not in the package` });
    if (isTrue(setting(at.file, stanza.name, 'chunked'))) {
      for (const item of stanza.settings) {
        if (!CHUNKED_KEYS.some((pattern) => pattern.test(item.key)))
          add({ ...at, line: item.line, key: item.key, check: 'check_ignored_parameters_v2_command', message: 'is ignored when chunked = true' });
      }
    }
  }

  // Every .conf against its spec (platform spec + the app's README/<file>.spec).
  for (const [file, parsed] of confs) {
    const confName = file.split('/').pop() ?? file;
    const appSpecText = text(`README/${confName}.spec`);
    const appSpec = appSpecText === undefined ? undefined : parseConfSpec(appSpecText, `README/${confName}.spec`);
    const platformSpec = platformSpecs.get(confName) ?? (confName === 'server.conf' ? SERVER_CONF_SHCLUSTERING_SPEC : undefined);
    const spec = platformSpec && appSpec ? mergeConfSpecs(platformSpec, appSpec) : (platformSpec ?? appSpec);
    if (!spec) {
      add({ file, check: 'conf_spec', message: `no spec for ${confName}: Splunk does not define it; ship README/${confName}.spec` });
      continue;
    }
    for (const issue of validateConf(parsed, spec, { anyStanza: confName === 'default.meta' })) {
      add({ file, line: issue.line, stanza: issue.stanza, ...(issue.key ? { key: issue.key } : {}), check: 'conf_spec', message: issue.message });
    }
  }

  // Search-head clusters replicate only the conf files server.conf names: every custom one (its
  // spec ships in README/) needs conf_replication_include.<name> = true, or setup changes stay on one member.
  for (const file of confs.keys()) {
    const confName = file.replace(/^default\//, '').replace(/\.conf$/, '');
    if (!files.has(`README/${confName}.conf.spec`) || ['alert_actions', 'savedsearches'].includes(confName)) continue;
    if (!isTrue(setting('default/server.conf', 'shclustering', `conf_replication_include.${confName}`))) {
      add({
        file: 'default/server.conf',
        stanza: 'shclustering',
        key: `conf_replication_include.${confName}`,
        check: 'shc_conf_replication',
        message: `${confName}.conf is a custom conf: set conf_replication_include.${confName} = true so search-head cluster members share it`,
      });
    }
  }
  // Splunk Cloud's admin role is sc_admin: whatever admin may write, it must too.
  for (const stanza of confs.get('metadata/default.meta')?.stanzas ?? []) {
    const access = setting('metadata/default.meta', stanza.name, 'access') ?? '';
    const write =
      access
        .match(/write\s*:\s*\[([^\]]*)\]/)?.[1]
        ?.split(',')
        .map((role) => role.trim()) ?? [];
    if (write.includes('admin') && !write.includes('sc_admin') && !write.includes('*')) {
      add({
        file: 'metadata/default.meta',
        stanza: stanza.name,
        key: 'access',
        check: 'cloud_admin_role',
        message: 'write grants admin but not sc_admin (the admin role on Splunk Cloud): add sc_admin',
      });
    }
  }
  const generatingMacros = new Set(
    (confs.get('default/macros.conf')?.stanzas ?? []).filter((stanza) => GENERATING_COMMAND.test(setting('default/macros.conf', stanza.name, 'definition') ?? '')).map((stanza) => stanza.name),
  );
  for (const [file, entry] of files) {
    if (/^default\/data\/ui\/views\/.+\.xml$/.test(file)) {
      checkDashboard(file, entry.content?.toString('utf8') ?? '', add);
      checkGeneratingMacros(file, entry.content?.toString('utf8') ?? '', generatingMacros, add);
    }
  }
  return issues;
}

function checkEntry(relative: string, entry: AppEntry, add: (issue: LintIssue) => void): void {
  const segments = relative.split('/');
  if (segments[0] === 'local') add({ file: relative, check: 'check_that_local_does_not_exist', message: 'a package must not contain local/' });
  if (relative === 'metadata/local.meta') add({ file: relative, check: 'check_for_local_meta', message: 'a package must not contain metadata/local.meta' });
  if (segments.some((segment) => segment.startsWith('.'))) add({ file: relative, check: 'check_for_hidden_files', message: 'hidden files and folders are not allowed' });
  if (segments.some((segment) => segment.includes(' '))) add({ file: relative, check: 'check_filenames_for_spaces', message: 'file names must not contain spaces' });
  if ((entry.mode & 0o002) !== 0) add({ file: relative, check: 'check_for_expansive_permissions', message: `mode ${(entry.mode & 0o777).toString(8)} is world-writable` });
  if (entry.type === 'other') add({ file: relative, check: 'check_for_symlinks', message: 'only regular files and folders may ship' });
  if (segments.includes('__pycache__') || relative.endsWith('.pyc')) add({ file: relative, check: 'check_for_compiled_python', message: 'compiled Python must not ship; remove __pycache__' });
  if (entry.type === 'file' && relative.startsWith('default/data/ui/alerts/') && !/\.(html|xml)$/.test(relative))
    add({ file: relative, check: 'check_alerts_directory_file_types', message: 'default/data/ui/alerts/ holds only .html and .xml files' });
  if (entry.type === 'file' && relative.startsWith('metadata/') && !relative.endsWith('.meta'))
    add({ file: relative, check: 'check_metadata_directory_file_types', message: 'metadata/ holds only .meta files' });
}

/**
 * The one part of Splunk 9.2's server.conf.spec an app may ship (the full spec is not in the
 * shared specs): search-head cluster replication of the app's own conf files.
 */
const SERVER_CONF_SHCLUSTERING_SPEC = parseConfSpec(
  `[shclustering]
conf_replication_include.<conf_file_name> = <boolean>
* Whether search head cluster replication includes configuration files with
  the given <conf_file_name>. Apps with custom conf files set it to true.
`,
  'server.conf.spec ([shclustering] excerpt, Splunk 9.2)',
);

/** Search commands that generate results: a search starting with one must begin with `|`. */
const GENERATING_COMMAND = /^\s*\|?\s*(inputlookup|inputcsv|makeresults|rest|tstats|metadata|datamodel|dbinspect|eventcount|loadjob|savedsearch|from)\b/;

/** A macro that expands to a generating command must be invoked as `| \`macro\``; otherwise the panel runs an empty search. */
function checkGeneratingMacros(file: string, xml: string, generating: ReadonlySet<string>, add: (issue: LintIssue) => void): void {
  for (const match of xml.matchAll(/"query"\s*:\s*"((?:[^"\\]|\\.)*)"|<query>([\s\S]*?)<\/query>/g)) {
    const query = (match[1] ?? match[2] ?? '').trim();
    const first = query.match(/^`([\w-]+)(?:\([^)]*\))?`/)?.[1];
    if (first && generating.has(first))
      add({ file, key: first, check: 'generating_macro', message: `\`${first}\` expands to a generating command: invoke it as | \`${first}\` (the panel is empty otherwise)` });
  }
}

/** Dashboard Studio (version="2"): the CDATA definition parses and its references resolve. */
function checkDashboard(file: string, xml: string, add: (issue: LintIssue) => void): void {
  if (!/<dashboard[^>]*version="2"/.test(xml)) return;
  const definition = xml.match(/<definition><!\[CDATA\[([\s\S]*?)\]\]><\/definition>/)?.[1];
  if (definition === undefined) return add({ file, check: 'dashboard_studio', message: 'version="2" dashboard without a <definition><![CDATA[…]]> block' });
  let parsed: {
    dataSources?: Record<string, unknown>;
    visualizations?: Record<string, { dataSources?: Record<string, string> }>;
    inputs?: Record<string, unknown>;
    layout?: { structure?: Array<{ item?: string }> };
  };
  try {
    parsed = JSON.parse(definition) as typeof parsed;
  } catch (error) {
    return add({ file, check: 'dashboard_studio', message: `the definition is not JSON: ${(error as Error).message}` });
  }
  for (const [id, visualization] of Object.entries(parsed.visualizations ?? {})) {
    for (const source of Object.values(visualization.dataSources ?? {})) {
      if (!(source in (parsed.dataSources ?? {}))) add({ file, key: `visualizations.${id}`, check: 'dashboard_studio', message: `data source ${source} is not defined` });
    }
  }
  for (const block of parsed.layout?.structure ?? []) {
    if (block.item && !(block.item in (parsed.visualizations ?? {})) && !(block.item in (parsed.inputs ?? {})))
      add({ file, key: 'layout.structure', check: 'dashboard_studio', message: `layout item ${block.item} is not defined` });
  }
}
