import { z } from 'zod';
import type { Alert, Entity } from '../../spec/alert.js';
import type { EnricherV1, Finding } from '../enricher.js';
import { parseEnricherOptions } from '../enricher-options.js';
import fileData from '../../data/knowledge/file-rules.json' with { type: 'json' };
import { pathFeatures } from '../knowledge/command-features.js';
import { compilePattern, techniqueRule, type TechniqueRow } from '../knowledge/knowledge-rows.js';
import { procedureFindings } from '../knowledge/procedure-findings.js';
import { matchRegistry, normalizeRegistryKey, registryData, VALUE_DATA_RULES } from './registry-rules.js';
import { capPositiveWeights, keepStrongestPerRule, quote, techniquesOf, type TechniqueRule } from '../knowledge/technique-inference.js';
import { HIJACKABLE_MODULES, knownTool, SYSTEM_BINARIES } from '../knowledge/windows-binaries.js';
import { fileName, isSystemLocation, normalizePath, stagingFolder, stem } from '../knowledge/windows-paths.js';
import { entityRef } from '../field-path.js';

export const RegistryFileOptionsSchema = z.strictObject({
  /** Longest fragment quoted in a claim. */
  maxQuoteLength: z.number().int().min(16).max(1000).default(100),
  /** Cap on the summed positive weight of one registry value, file or module: one act. */
  maxTotalWeight: z.number().positive().max(20).default(4.5),
  /** Also emit the ATT&CK v19 ids of renumbered Impair Defenses techniques (T1685, T1686…). */
  includeSuccessorIds: z.boolean().default(true),
});
export type RegistryFileOptions = z.infer<typeof RegistryFileOptionsSchema>;
export type RegistryFileOptionsInput = z.input<typeof RegistryFileOptionsSchema>;

/** Knowledge about a written file (pattern on the lower-case path) or a loaded module. */
export interface PathRule extends TechniqueRule {
  /** Only when the writing or loading process file name matches. */
  readonly actor?: RegExp;
  /** Not when the writing or loading process file name matches (installers, the OS itself). */
  readonly exceptActor?: RegExp;
}

interface PathRow extends TechniqueRow {
  actor?: string;
  exceptActor?: string;
}
interface FileData {
  files: PathRow[];
  imageLoads: PathRow[];
  executable: string;
  installers: string;
  installedProgram: string;
  installedProgramFlags?: string;
}
const fileKnowledge = fileData as FileData;

function pathRule(row: PathRow): PathRule {
  return {
    ...techniqueRule(row),
    ...(row.actor !== undefined ? { actor: compilePattern(row.actor) } : {}),
    ...(row.exceptActor !== undefined ? { exceptActor: compilePattern(row.exceptActor) } : {}),
  };
}

/** Extensions of files that run code when opened or loaded. */
const EXECUTABLE = compilePattern(fileKnowledge.executable);
/** Writers that legitimately put programs and system files in place. */
const INSTALLERS = compilePattern(fileKnowledge.installers);
const INSTALLED_PROGRAM = compilePattern(fileKnowledge.installedProgram, fileKnowledge.installedProgramFlags);

/** Written-file knowledge (core/data/knowledge/file-rules.json): autostart folders, credential dumps, web shells, masquerading names. */
export const FILE_RULES: readonly PathRule[] = fileKnowledge.files.map(pathRule);

/** Module-load knowledge: modules that show script engines, credential access or side-loading. */
export const IMAGE_LOAD_RULES: readonly PathRule[] = fileKnowledge.imageLoads.map(pathRule);

const BASE64_BLOB = /^[a-z0-9+/\s]{200,}={0,2}$/i;
const SYSINTERNALS_EULA = /\\software\\sysinternals\\([^\\]+)\\eulaaccepted$/i;

/**
 * Reads registry changes, written files and loaded modules for persistence, privilege escalation,
 * defence impairment, credential dumping, web shells and masquerading. Techniques come from the
 * event, not the rule.
 */
export function createRegistryFileEnricher(options: RegistryFileOptionsInput = {}): EnricherV1 {
  const settings = parseEnricherOptions('registry-file', RegistryFileOptionsSchema, options);

  function make(kind: string, subject: string, rule: Pick<TechniqueRule, 'id' | 'claim' | 'weight' | 'techniques'>, fragment: string, refs: string[]): Finding {
    return {
      kind,
      claim: `${subject} ${rule.claim}${fragment ? ` (${quote(fragment, settings.maxQuoteLength)})` : ''}.`,
      weight: rule.weight,
      refs: [...refs, `knowledge:${rule.id}`],
      attack: techniquesOf([rule], settings.includeSuccessorIds),
    };
  }

  function registry(alert: Alert, entity: Entity, index: number, isPrimary: boolean): Finding[] {
    const properties = entity.properties ?? {};
    const details = properties['details'] ?? (isPrimary ? alert.fields['Details'] : undefined);
    const eventType = properties['eventType'] ?? (isPrimary ? alert.fields['EventType'] : undefined) ?? '';
    const writer = properties['image'] ?? (isPrimary ? alert.fields['Image'] : undefined) ?? '';
    const key = normalizeRegistryKey(entity.value);
    const data = registryData(details);
    const change = /delete/i.test(eventType) || alert.category === 'registry_delete' ? 'delete' : 'set';
    const refs = [entityRef(index)];
    if (details !== undefined) refs.push(properties['details'] !== undefined ? entityRef(index, 'details') : 'fields.Details');
    const subject = change === 'delete' ? 'Registry deletion' : 'Registry write';
    const fragment = data && change === 'set' ? `${key} = ${data}` : key;
    const findings: Finding[] = [];
    let strongest = 0;
    for (const rule of matchRegistry(key, data, change)) {
      findings.push(make('registry', subject, rule, fragment, refs));
      strongest = Math.max(strongest, rule.weight);
    }
    if (strongest >= 0.5 && change === 'set' && details !== undefined) {
      let isSuspicious = false;
      for (const rule of VALUE_DATA_RULES) {
        if (!rule.pattern.test(details)) continue;
        findings.push(make('registry', 'The value data', rule, details, refs));
        isSuspicious = true;
      }
      // An ordinary autostart of an installed program: the key alone overstates it.
      if (!isSuspicious && strongest <= 1.5 && INSTALLED_PROGRAM.test(details)) {
        findings.push({
          kind: 'registry',
          claim: `The value data points at an installed program (${quote(details, settings.maxQuoteLength)}).`,
          weight: -0.5,
          refs,
          benignReason: 'expected_activity',
        });
      }
    }
    if (change === 'set' && details !== undefined && BASE64_BLOB.test(details)) {
      findings.push(make('registry', subject, { id: 'reg-fileless-payload', claim: 'stores a long Base64 blob, a fileless payload store', weight: 1.5, techniques: ['T1027.011'] }, key, refs));
    }
    const eula = SYSINTERNALS_EULA.exec(key);
    if (eula?.[1] !== undefined) {
      const tool = eula[1].toLowerCase();
      const toolRule = knownTool(`${tool}.exe`);
      if (toolRule !== undefined) findings.push(make('registry', `Sysinternals ${eula[1]}`, toolRule, key, refs));
      const writerName = fileName(writer);
      if (writerName && !stem(writerName).replace(/64a?$/, '').includes(tool.replace(/\s+/g, ''))) {
        findings.push(
          make('registry', `Sysinternals ${eula[1]}`, { id: 'renamed-sysinternals', claim: `ran under another name (${writerName})`, weight: 1.5, techniques: ['T1036.003'] }, writer, [
            'fields.Image',
          ]),
        );
      }
    }
    findings.push(...procedureFindings('registry', subject, pathFeatures(key), refs[0] ?? 'entities', settings.includeSuccessorIds));
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  function file(alert: Alert, entity: Entity, index: number, isPrimary: boolean): Finding[] {
    const properties = entity.properties ?? {};
    const writerPath = properties['image'] ?? (isPrimary ? alert.fields['Image'] : undefined) ?? '';
    const writer = fileName(writerPath);
    let path = normalizePath(entity.value);
    const refs = [entityRef(index)];
    const findings: Finding[] = [];
    // `file.txt:stream` (optionally `:$DATA`): judge the file, and the stream name on its own.
    if (path.endsWith(':$data')) path = path.slice(0, -6);
    const colon = path.lastIndexOf(':');
    if (colon > 2 && !path.includes('\\', colon)) {
      const stream = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (!/^(?:zone\.identifier|smartscreen|encryptable|favicon|ms-properties)$/.test(stream)) {
        findings.push(make('file', 'File write', { id: 'file-alternate-stream', claim: 'hides data in an NTFS alternate data stream', weight: 1.5, techniques: ['T1564.004'] }, entity.value, refs));
      }
    }
    for (const rule of FILE_RULES) {
      if (!rule.pattern.test(path)) continue;
      if (rule.actor !== undefined && !rule.actor.test(writer)) continue;
      if (rule.exceptActor?.test(writer)) continue;
      findings.push(make('file', 'File write', rule, entity.value, rule.actor ? [...refs, 'fields.Image'] : refs));
    }
    const name = fileName(path);
    const isSystem = isSystemLocation(path);
    const tool = knownTool(path);
    if (tool !== undefined) findings.push(make('file', 'File write', { ...tool, weight: Math.min(tool.weight, 2) }, entity.value, refs));
    const core = SYSTEM_BINARIES.get(name);
    if (core !== undefined && !isSystem && !INSTALLERS.test(writer)) {
      findings.push(
        make(
          'file',
          'File write',
          { id: 'file-system-binary-name', claim: 'gives a Windows program name to a file outside the Windows folders', weight: core ? 2 : 1.5, techniques: ['T1036.005'] },
          entity.value,
          refs,
        ),
      );
    }
    const folder = stagingFolder(path);
    if (HIJACKABLE_MODULES.has(name) && !isSystem && (folder !== undefined || !path.includes('\\program files'))) {
      findings.push(
        make(
          'file',
          'File write',
          {
            id: 'file-system-dll-name',
            claim: 'drops a DLL named like a Windows library outside the Windows folders (DLL hijacking)',
            weight: folder !== undefined ? 2 : 0.8,
            techniques: ['T1574.001', 'T1036.005'],
          },
          entity.value,
          refs,
        ),
      );
    }
    if (folder !== undefined && EXECUTABLE.test(path) && !path.endsWith('.lnk')) {
      findings.push(make('file', 'A file that', { ...folder, claim: `${folder.claim.replace(/^lives/, 'was written')}, and is an executable or script` }, entity.value, refs));
    }
    findings.push(...procedureFindings('file', 'File write', pathFeatures(path), refs[0] ?? 'entities', settings.includeSuccessorIds));
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  function imageLoad(loaded: string, loaderPath: string, signed: string | undefined, refs: string[]): Finding[] {
    const path = normalizePath(loaded);
    const loader = fileName(loaderPath);
    const isSystem = isSystemLocation(path);
    const findings: Finding[] = [];
    for (const rule of IMAGE_LOAD_RULES) {
      if (!rule.pattern.test(path)) continue;
      if (rule.actor !== undefined && !rule.actor.test(loader)) continue;
      if (rule.exceptActor?.test(loader)) continue;
      if ((rule.id === 'load-amsi-odd' || rule.id === 'load-lsass-unsigned') && isSystem) continue;
      findings.push(make('image_load', 'Module load', rule, `${loader} ← ${loaded}`, refs));
    }
    const name = fileName(path);
    const folder = stagingFolder(path);
    if (HIJACKABLE_MODULES.has(name) && !isSystem) {
      findings.push(
        make(
          'image_load',
          'Module load',
          {
            id: 'load-system-module-elsewhere',
            claim: 'loads a module named like a Windows library from outside the Windows folders (DLL side-loading)',
            weight: folder !== undefined ? 2 : 0.8,
            techniques: ['T1574.001'],
          },
          `${loader} ← ${loaded}`,
          refs,
        ),
      );
    }
    if (name.endsWith('.cpl') && !isSystem) {
      findings.push(
        make(
          'image_load',
          'Module load',
          { id: 'load-cpl-elsewhere', claim: 'loads a Control Panel item from outside the Windows folders', weight: 1, techniques: ['T1218.002', 'T1574.001'] },
          loaded,
          refs,
        ),
      );
    }
    if (signed === 'false' && folder !== undefined) {
      findings.push(
        make('image_load', 'Module load', { id: 'load-unsigned-staging', claim: 'loads an unsigned module from a user-writable folder', weight: 0.8, techniques: ['T1574.001'] }, loaded, refs),
      );
    }
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  return {
    id: 'registry-file',
    description: 'Reads registry changes, written files and loaded modules: autostart and hijack locations, defence impairment, credential dumps, web shells, masquerading names, side-loading.',
    enrich(alert: Alert): Finding[] {
      let findings: Finding[] | undefined;
      let hasHostEntity = false;
      let registryCount = 0;
      let fileCount = 0;
      const loaded = alert.fields['ImageLoaded'];
      const isImageLoad = alert.category === 'image_load' || loaded !== undefined;
      for (let index = 0; index < alert.entities.length; index++) {
        const entity = alert.entities[index] as Entity;
        if (entity.kind === 'process') hasHostEntity = true;
        else if (entity.kind === 'registry' && registryCount < 8) {
          hasHostEntity = true;
          const result = registry(alert, entity, index, registryCount++ === 0);
          if (result.length > 0) (findings ??= []).push(...result);
        } else if (entity.kind === 'file' && fileCount < 8) {
          hasHostEntity = true;
          if (isImageLoad && (loaded === undefined || entity.value === loaded)) continue;
          const result = file(alert, entity, index, fileCount++ === 0);
          if (result.length > 0) (findings ??= []).push(...result);
        }
      }
      if (hasHostEntity && isImageLoad) {
        const fileEntity = alert.entities.findIndex((entity) => entity.kind === 'file');
        const module = loaded ?? (fileEntity >= 0 ? alert.entities[fileEntity]?.value : undefined);
        if (module !== undefined) {
          const loader = alert.fields['Image'] ?? alert.entities[fileEntity]?.properties?.['image'] ?? '';
          const refs = [loaded !== undefined ? 'fields.ImageLoaded' : entityRef(fileEntity)];
          const result = imageLoad(module, loader, alert.fields['Signed']?.toLowerCase(), refs);
          if (result.length > 0) (findings ??= []).push(...result);
        }
      }
      if (findings === undefined) return [];
      return registryCount + fileCount > 1 ? keepStrongestPerRule(findings) : findings;
    },
  };
}
