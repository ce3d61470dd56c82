import { normalizeRegistryKey, registryData } from '../registry-file/registry-rules.js';

const REG_COMMAND = /\breg(?:\.exe)?["']?\s+(add|delete|copy)\s+("[^"]+"|\S+)(?:\s+("[^"]+"|(?![-/])\S+))?/i;
const REG_VALUE_NAME = /\s[-/]v\s+("[^"]*"|\S+)/i;
const REG_DEFAULT_VALUE = /\s[-/]ve\b/i;
const REG_VALUE_DATA = /\s[-/]d\s+("[^"]*"|\S+)/i;
const PS_REGISTRY = /\b(set-itemproperty|new-itemproperty|remove-itemproperty|sp)\b([^;|\n]*)/i;
const PS_PATH = /-(?:path|literalpath)\s+("[^"]+"|'[^']+'|\S+)|^\s+("[^"]+"|'[^']+'|(?!-)\S+)/i;
const PS_NAME = /-name\s+("[^"]+"|'[^']+'|\S+)/i;
const PS_VALUE = /-value\s+("[^"]*"|'[^']*'|\S+)/i;

/** A registry change a command line makes: normalized key (with value name), value data, kind of change. */
export interface RegistryTarget {
  key: string;
  data: string;
  change: 'set' | 'delete';
}

/** The registry changes of `reg add/delete/copy` and PowerShell `Set-/New-/Remove-ItemProperty`. */
export function registryTargets(text: string): RegistryTarget[] {
  const targets: RegistryTarget[] = [];
  const reg = REG_COMMAND.exec(text);
  if (reg !== null) {
    const verb = (reg[1] ?? '').toLowerCase();
    const keyText = unquote(verb === 'copy' ? (reg[3] ?? '') : (reg[2] ?? ''));
    const name = REG_DEFAULT_VALUE.test(text) ? '(Default)' : unquote(REG_VALUE_NAME.exec(text)?.[1] ?? '');
    const key = normalizeRegistryKey(name ? `${keyText}\\${name}` : keyText);
    targets.push({ key, data: registryData(unquote(REG_VALUE_DATA.exec(text)?.[1] ?? '')), change: verb === 'delete' ? 'delete' : 'set' });
  }
  const ps = PS_REGISTRY.exec(text);
  if (ps !== null) {
    const args = ps[2] ?? '';
    const pathMatch = PS_PATH.exec(args);
    const path = unquote(pathMatch?.[1] ?? pathMatch?.[2] ?? '');
    const name = unquote(PS_NAME.exec(args)?.[1] ?? '');
    if (/^(?:hk|registry::|microsoft\.powershell)/i.test(path)) {
      targets.push({
        key: normalizeRegistryKey(name ? `${path}\\${name}` : path),
        data: registryData(unquote(PS_VALUE.exec(args)?.[1] ?? '')),
        change: /^remove/i.test(ps[1] ?? '') ? 'delete' : 'set',
      });
    }
  }
  return targets;
}

function unquote(text: string): string {
  return text.trim().replace(/^(["'])(.*)\1$/s, '$2');
}
