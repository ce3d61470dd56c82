/**
 * What a command line is made of, as the procedure knowledge counts it: the programs it runs, the
 * switches and sub-commands each program gets, PowerShell cmdlets and the system files it names.
 * The generator reads Atomic Red Team procedures with this same function, so knowledge and
 * alerts are read alike. Values (paths, URLs, numbers, names) are left out: they vary per run.
 */

const STATEMENT_SPLIT = /\r?\n|&&|\|\||[&|;]/;
const TOKEN = /"[^"]*"|'[^']*'|[^\s"']+/g;
const PREFIXES = new Set(['sudo', 'start', 'call', 'nohup', 'exec', 'time', 'env', '&', '.', 'cmd.exe', 'cmd']);
const SHELL_INNER = /(?:^|\s)(?:[-/](?:c|k|r|command|commandwithargs|e(?:x(?:e(?:c)?)?)?)\s+)(.*)$/s;
const SHELLS = new Set(['cmd', 'powershell', 'pwsh', 'bash', 'sh', 'zsh', 'dash']);
const SWITCH = /^(?:--?|\/|[\u2013\u2014])([a-z][a-z0-9_-]{0,30})/;
const WORD = /^[a-z][a-z0-9_-]{1,30}$/;
const CMDLET =
  /^(?:get|set|new|remove|add|invoke|start|stop|copy|move|rename|clear|disable|enable|export|import|out|register|unregister|install|uninstall|test|find|expand|compress|convertto|convertfrom|mount|dismount|restart|suspend|resume|write|read|select|wait|update|send|receive|connect|disconnect|grant|revoke|block|unblock|protect|unprotect|save|backup|restore|reset|resolve|search|show|hide|lock|unlock|request|open|close|push|pop|publish|debug|measure|trace|use|edit|format|join|split|sort|group)-[a-z][a-z0-9]{2,40}$/;
const SYSTEM_FILE = /(?:^|[\\/])([a-z0-9_-]{2,40}\.(?:exe|dll|sys|dit|hiv|cpl|msc|inf|sct|xsl|hta|lnk|kirbi|evtx|dmp))(?=$|[,\s"':])/;

/** Lower-case program name of a path or token (`"C:\Windows\System32\certutil.exe"` → certutil). */
export function programName(token: string): string {
  const clean = token
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .toLowerCase();
  const base = clean.slice(Math.max(clean.lastIndexOf('\\'), clean.lastIndexOf('/')) + 1);
  return base.replace(/\.(?:exe|com)$/, '');
}

/** Feature strings of a command line (deduplicated, in order): `prog:x`, `arg:x y`, `cmdlet:x-y`, `ref:file.ext`. */
export function commandFeatures(commandLine: string, maxLength = 8192): string[] {
  const features = new Set<string>();
  const text = commandLine.length > maxLength ? commandLine.slice(0, maxLength) : commandLine;
  for (const statement of text.toLowerCase().split(STATEMENT_SPLIT)) statementFeatures(statement, features, 0);
  return [...features];
}

function statementFeatures(statement: string, features: Set<string>, depth: number): void {
  const tokens = statement.match(TOKEN);
  if (tokens === null) return;
  let start = 0;
  while (start < tokens.length - 1 && PREFIXES.has(tokens[start] ?? '')) start++;
  const first = tokens[start];
  if (first === undefined) return;
  const program = programName(first);
  const isProgram = /^[a-z][a-z0-9._-]{1,40}$/.test(program) && !CMDLET.test(program);
  if (isProgram) features.add(`prog:${program}`);
  for (let index = start; index < tokens.length && index < start + 40; index++) {
    const token = tokens[index] ?? '';
    const bare = token.replace(/^["'(]+|["'),]+$/g, '');
    if (CMDLET.test(bare)) features.add(`cmdlet:${bare}`);
    const file = SYSTEM_FILE.exec(bare);
    if (file?.[1] !== undefined && index > start) features.add(`ref:${file[1]}`);
    if (bare.includes('\\')) addPathFeatures(bare, features);
    if (index === start || !isProgram) continue;
    const switchMatch = SWITCH.exec(bare);
    if (switchMatch?.[1] !== undefined) features.add(`arg:${program} ${switchMatch[1].replace(/[:=].*$/, '')}`);
    else if (WORD.test(bare)) features.add(`arg:${program} ${bare}`);
  }
  // `cmd /c X`, `powershell -c X`, `bash -c X`: X is a command of its own.
  if (depth < 2 && isProgram && SHELLS.has(program)) {
    const inner = SHELL_INNER.exec(statement.slice(statement.indexOf(first) + first.length));
    if (inner?.[1] !== undefined) statementFeatures(inner[1].replace(/^["']|["']$/g, ''), features, depth + 1);
  }
}

const PATH_PART = /^[a-z][a-z0-9 ._-]{1,40}$/;
/** Folder and key names nearly every path passes through: a pair of two of them says nothing. */
const GENERIC_PATH_PARTS = new Set([
  'hklm',
  'hkcu',
  'hku',
  'hkcr',
  'hklm:',
  'hkcu:',
  'software',
  'microsoft',
  'windows',
  'windows nt',
  'currentversion',
  'currentcontrolset',
  'control',
  'services',
  'policies',
  'classes',
  'wow6432node',
  'system32',
  'syswow64',
  'users',
  'public',
  'appdata',
  'local',
  'roaming',
  'locallow',
  'programdata',
  'program files',
  'program files (x86)',
  'temp',
  'documents',
  'desktop',
  'downloads',
  'default',
  'all users',
]);

/**
 * `path:a\b` for each pair of adjacent folder or key names of a Windows path or registry key
 * (`HKCU\Software\Microsoft\Windows\CurrentVersion\Run` → …, `path:currentversion\run`): where
 * a procedure writes says as much as what runs. Variable parts (drive letters, %VARS%, GUIDs,
 * numbers) break the chain.
 */
export function pathFeatures(path: string): string[] {
  const features = new Set<string>();
  addPathFeatures(path.toLowerCase(), features);
  return [...features];
}

function addPathFeatures(path: string, features: Set<string>): void {
  const parts = path.replace(/^["']+|["']+$/g, '').split('\\');
  for (let index = 1; index < parts.length; index++) {
    const left = parts[index - 1] ?? '';
    const right = parts[index] ?? '';
    if (PATH_PART.test(left) && PATH_PART.test(right) && !(GENERIC_PATH_PARTS.has(left) && GENERIC_PATH_PARTS.has(right))) features.add(`path:${left}\\${right}`);
  }
}
