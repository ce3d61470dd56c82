#!/usr/bin/env node
// Renders a Verdict config template for a container or a systemd unit:
//
//   node deploy/render-config.mjs TEMPLATE.yaml OUT.yaml
//
// Every string value written exactly `${NAME}` (a whole value, quoted in the YAML) is replaced by
// the environment variable NAME, so platform credentials (platforms.<id>.auth…) can come from a
// Kubernetes Secret, a compose .env file or /etc/verdict/verdict.env instead of the config file.
// store.url and queue.redis are left as they are: `verdict` reads those references itself
// (core/config/load-config.ts) and keeps them out of the file. A reference to an unset or empty
// variable stops with its name (never a value). The output is written 0600 and replaced atomically.
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';

const LEFT_FOR_VERDICT = new Set(['store.url', 'queue.redis']);
const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The document with every whole-value `${NAME}` (outside LEFT_FOR_VERDICT) read from `environment`. */
export function renderConfig(document, environment) {
  const missing = new Set();
  const walk = (value, path) => {
    if (typeof value === 'string') {
      const reference = REFERENCE.exec(value.trim());
      if (!reference || LEFT_FOR_VERDICT.has(path)) return value;
      const found = environment[reference[1]];
      if (found === undefined || found === '') {
        missing.add(`${reference[1]} (for ${path})`);
        return value;
      }
      return found;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}[${index}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, path ? `${path}.${key}` : key)]));
    }
    return value;
  };
  const rendered = walk(document, '');
  if (missing.size > 0) throw new Error(`these environment variables are not set: ${[...missing].join(', ')}; set them (Secret, .env or verdict.env)`);
  return rendered;
}

function main([template, out]) {
  if (!template || !out) throw new Error('usage: node deploy/render-config.mjs TEMPLATE.yaml OUT.yaml');
  const document = parse(readFileSync(template, 'utf8')) ?? {};
  const text = `# Rendered from ${template} by deploy/render-config.mjs: do not edit, it is rewritten at start.\n${stringify(renderConfig(document, process.env))}`;
  const temporary = `${out}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, out);
  process.stderr.write(`rendered ${template} to ${out}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`render-config: ${error.message}\n`);
    process.exitCode = 2;
  }
}
