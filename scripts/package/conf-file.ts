/**
 * Splunk .conf / .meta reader: `[stanza]` headers, `key = value` lines, `#` comments, and
 * values continued onto the next line with a trailing backslash. Settings before the first
 * header belong to the `default` stanza, as in Splunk.
 */

export interface ConfSetting {
  key: string;
  value: string;
  line: number;
}

export interface ConfStanza {
  name: string;
  line: number;
  settings: ConfSetting[];
}

export interface ConfSyntaxIssue {
  line: number;
  message: string;
}

export interface ParsedConf {
  stanzas: ConfStanza[];
  issues: ConfSyntaxIssue[];
}

export function parseConf(text: string): ParsedConf {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const stanzas: ConfStanza[] = [{ name: 'default', line: 0, settings: [] }];
  const issues: ConfSyntaxIssue[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = index + 1;
    let line = lines[index] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (trimmed.startsWith('[')) {
      const header = trimmed.match(/^\[(.*)\]$/);
      if (!header) {
        issues.push({ line: lineNumber, message: `stanza header ${JSON.stringify(trimmed)} has no closing ]` });
        continue;
      }
      stanzas.push({ name: header[1] ?? '', line: lineNumber, settings: [] });
      continue;
    }
    while (line.endsWith('\\') && index + 1 < lines.length) {
      index += 1;
      line = `${line.slice(0, -1)}\n${lines[index] ?? ''}`;
    }
    const separator = line.indexOf('=');
    if (separator < 0) {
      issues.push({ line: lineNumber, message: `line ${JSON.stringify(trimmed)} is neither a stanza header, a comment nor key = value` });
      continue;
    }
    const key = line.slice(0, separator).trim();
    if (key === '') {
      issues.push({ line: lineNumber, message: 'a setting has an empty key' });
      continue;
    }
    stanzas.at(-1)?.settings.push({ key, value: line.slice(separator + 1).trim(), line: lineNumber });
  }
  return { stanzas: stanzas.filter((stanza) => stanza.name !== 'default' || stanza.settings.length > 0), issues };
}
