import { z } from 'zod';
import type { Alert, Entity } from '../../spec/alert.js';
import type { EnricherV1, Finding } from '../enricher.js';
import { parseEnricherOptions } from '../enricher-options.js';
import { deobfuscate, obfuscationSigns } from './command-line-obfuscation.js';
import { processView, type ProcessView } from './command-line-process.js';
import { KNOWN_PROGRAMS, launchedIn, matchCommandRules, programsIn } from './command-line-programs.js';
import { registryTargets } from './command-line-registry.js';
import { ARCHITECTURE_SUFFIXES, ORIGINAL_NAME_ALIASES, PARENT_CHILD_RULES, RECON_PROGRAMS, ROUTINE_PROCESSES } from './command-line-rules.js';
import { commandFeatures } from '../knowledge/command-features.js';
import { procedureFindings } from '../knowledge/procedure-findings.js';
import { decodeBase64Text, findEncodedPayloads } from './powershell-decode.js';
import { matchRegistry } from '../registry-file/registry-rules.js';
import { capPositiveWeights, keepStrongestPerRule, quote, techniquesOf } from '../knowledge/technique-inference.js';
import { knownTool, SYSTEM_BINARIES } from '../knowledge/windows-binaries.js';
import { isSystemLocation, normalizePath, stagingFolder, stem } from '../knowledge/windows-paths.js';
import { truncate } from '../truncate.js';

export const CommandLineOptionsSchema = z.strictObject({
  /** Longest decoded text kept in a finding's `detail`. */
  maxDetailLength: z.number().int().min(80).max(100_000).default(2000),
  /** Longest fragment quoted in a claim. */
  maxQuoteLength: z.number().int().min(16).max(1000).default(80),
  /** Command lines longer than this count as padded or obfuscated. */
  longCommandLineLength: z.number().int().min(100).default(1024),
  /** Only this many leading characters are scanned: bounds the cost of attacker-sized input. */
  maxScanLength: z.number().int().min(1024).max(1_000_000).default(16_384),
  /** Cap on the summed positive weight of one process: its findings describe one act. */
  maxTotalWeight: z.number().positive().max(20).default(4.5),
  /** Also emit the ATT&CK v19 ids of renumbered Impair Defenses techniques (T1685, T1686…). */
  includeSuccessorIds: z.boolean().default(true),
  /** Distinct processes whose findings are remembered (command lines repeat); 0 turns caching off. */
  cacheSize: z.number().int().min(0).max(1_000_000).default(4096),
});
export type CommandLineOptions = z.infer<typeof CommandLineOptionsSchema>;
export type CommandLineOptionsInput = z.input<typeof CommandLineOptionsSchema>;

/**
 * Reads processes' command lines, images and parents for signs of attack: encoded PowerShell,
 * download cradles, LOLBAS abuse, credential dumping, defence tampering, obfuscation, renamed or
 * misplaced Windows binaries, suspicious parents. Techniques come from the event, not the rule.
 */
export function createCommandLineEnricher(options: CommandLineOptionsInput = {}): EnricherV1 {
  const settings = parseEnricherOptions('command-line', CommandLineOptionsSchema, options);
  const successors = settings.includeSuccessorIds;

  function make(subject: string, rule: { id: string; claim: string; weight: number; techniques: readonly string[] }, fragment: string, ref: string, detail?: string): Finding {
    const finding: Finding = {
      kind: 'command_line',
      claim: `${subject} ${rule.claim}${fragment ? ` (${quote(fragment, settings.maxQuoteLength)})` : ''}.`,
      weight: rule.weight,
      refs: [ref, `knowledge:${rule.id}`],
      attack: techniquesOf([rule], successors),
    };
    if (detail !== undefined) finding.detail = detail;
    return finding;
  }

  /** Runs the command rules over one text; `seen` keeps one finding per rule across texts. */
  function scanText(text: string, programs: ReadonlySet<string>, launched: ReadonlySet<string>, subject: string, ref: string, findings: Finding[], seen: Set<string>): void {
    for (const { rule, fragment } of matchCommandRules(text, programs, launched, seen)) findings.push(make(subject, rule, fragment, ref));
  }

  function registryFromCommand(text: string, subject: string, ref: string, findings: Finding[], seen: Set<string>): void {
    for (const target of registryTargets(text)) {
      if (target.key.length === 0) continue;
      for (const rule of matchRegistry(target.key, target.data, target.change)) {
        if (seen.has(rule.id)) continue;
        seen.add(rule.id);
        const fragment = target.data ? `${target.key} = ${target.data}` : target.key;
        findings.push(make(subject, rule, fragment, ref));
      }
    }
  }

  function obfuscation(raw: string, fullLength: number, ref: string, findings: Finding[]): void {
    const signs = obfuscationSigns(raw);
    if (signs.length > 0) {
      findings.push(
        make('Command line', { id: 'obfuscation', claim: `is obfuscated with ${signs.join(', ')}`, weight: Math.min(2.5, 1.2 + 0.4 * (signs.length - 1)), techniques: ['T1027.010'] }, raw, ref),
      );
    }
    if (fullLength > settings.longCommandLineLength) {
      findings.push(make('Command line', { id: 'long-command-line', claim: `is ${fullLength} characters long, typical of padded or embedded payloads`, weight: 0.4, techniques: ['T1027'] }, '', ref));
    }
    if (/\u202e/.test(raw)) {
      findings.push(make('Command line', { id: 'rtlo-command', claim: 'contains a right-to-left override character that disguises a file name', weight: 3, techniques: ['T1036.002'] }, raw, ref));
    }
  }

  function decodePowerShell(text: string, programs: Set<string>, ref: string, findings: Finding[], seen: Set<string>, depth: number): void {
    if (depth > 2) return;
    for (const payload of findEncodedPayloads(text, programs)) {
      const decoded = decodeBase64Text(payload.encoded);
      const isCommand = payload.how === 'encoded command';
      if (decoded === undefined) {
        if (isCommand && !seen.has('ps-encoded-command')) {
          seen.add('ps-encoded-command');
          findings.push(
            make(
              'Command line',
              { id: 'ps-encoded-command', claim: 'passes PowerShell a Base64-encoded command that does not decode to text', weight: 1.5, techniques: ['T1059.001', 'T1027.010'] },
              payload.encoded,
              ref,
            ),
          );
        }
        continue;
      }
      const detail = `Decoded ${payload.how}: ${truncate(decoded, settings.maxDetailLength)}`;
      const id = isCommand ? 'ps-encoded-command' : 'ps-embedded-base64';
      if (!seen.has(id)) {
        seen.add(id);
        const rule = isCommand
          ? { id, claim: 'runs a Base64-encoded PowerShell command', weight: 1.5, techniques: ['T1059.001', 'T1027.010'] }
          : { id, claim: 'carries a Base64 string that decodes to text', weight: 0.5, techniques: ['T1027'] };
        findings.push(make('Command line', rule, decoded, ref, detail));
      }
      const decodedPrograms = new Set<string>(['powershell']);
      programsIn(decoded, decodedPrograms);
      const launched = new Set<string>();
      launchedIn(decoded, launched);
      const deobfuscated = deobfuscate(decoded);
      scanText(deobfuscated, decodedPrograms, launched, 'Decoded PowerShell', `${ref} (decoded)`, findings, seen);
      registryFromCommand(deobfuscated, 'Decoded PowerShell', `${ref} (decoded)`, findings, seen);
      decodePowerShell(decoded, decodedPrograms, ref, findings, seen, depth + 1);
    }
  }

  function imageChecks(view: ProcessView, findings: Finding[]): void {
    const lowerImage = normalizePath(view.image);
    const subject = `Process ${view.imageName}`;
    // A known program under another name: renamed to dodge name-based detection.
    if (view.originalName && view.imageName) {
      const original = view.originalName.replace(/\.mui$/, '');
      const originalStem = stem(original);
      const imageStem = stem(view.imageName);
      const isKnown = KNOWN_PROGRAMS.has(originalStem) || SYSTEM_BINARIES.has(original) || knownTool(original) !== undefined;
      const accepted = ORIGINAL_NAME_ALIASES.get(original) ?? [originalStem];
      const sameProgram = accepted.some((name) => imageStem === name || (imageStem.startsWith(name) && ARCHITECTURE_SUFFIXES.has(imageStem.slice(name.length))));
      if (isKnown && !sameProgram) {
        findings.push(
          make(subject, { id: 'renamed-binary', claim: `is a renamed copy of ${original}`, weight: 2, techniques: ['T1036.003'] }, `${view.imageName} ← ${view.originalName}`, view.originalRef),
        );
      } else if (!sameProgram && SYSTEM_BINARIES.has(view.imageName) && !isKnown) {
        findings.push(
          make(
            subject,
            { id: 'system-name-other-program', claim: `carries a Windows program name but its original file name is ${original}`, weight: 1.5, techniques: ['T1036.005'] },
            `${view.imageName} ← ${view.originalName}`,
            view.originalRef,
          ),
        );
      }
    }
    // A Windows binary outside the Windows folders.
    const isCore = SYSTEM_BINARIES.get(view.imageName);
    if (isCore !== undefined && lowerImage.includes('\\') && !isSystemLocation(lowerImage)) {
      findings.push(
        make(
          subject,
          { id: 'system-binary-location', claim: 'has the name of a Windows program but runs outside the Windows folders', weight: isCore ? 2 : 1.5, techniques: ['T1036.005'] },
          view.image,
          view.imageRef,
        ),
      );
    }
    const folder = stagingFolder(lowerImage);
    if (folder !== undefined) findings.push(make(subject, folder, view.image, view.imageRef));
    if (/\u202e/.test(view.image)) {
      findings.push(make(subject, { id: 'rtlo-image', claim: 'hides its real extension with a right-to-left override character', weight: 3, techniques: ['T1036.002'] }, view.image, view.imageRef));
    }
    if (/\.(?:pdf|docx?|xlsx?|pptx?|txt|rtf|jpe?g|png|zip|rar)\s*\.(?:exe|scr|com|pif|bat|cmd)$/i.test(view.imageName)) {
      findings.push(make(subject, { id: 'double-extension-image', claim: 'has a document extension in front of its real one', weight: 2.5, techniques: ['T1036.007'] }, view.imageName, view.imageRef));
    }
    const tool = knownTool(lowerImage) ?? (view.originalName ? knownTool(view.originalName) : undefined);
    if (tool !== undefined) findings.push(make(subject, tool, view.imageName || view.originalName, view.imageRef));
    if (view.parentName && view.imageName) {
      for (const rule of PARENT_CHILD_RULES) {
        if (rule.parent.test(view.parentName) && rule.child.test(view.imageName)) {
          findings.push(make(subject, rule, `${view.parentName} -> ${view.imageName}`, view.parentRef));
          break;
        }
      }
    }
  }

  function reconChain(launched: ReadonlySet<string>, ref: string, findings: Finding[]): void {
    let count = 0;
    for (const name of launched) if (RECON_PROGRAMS.has(name)) count++;
    if (count >= 3) {
      findings.push(make('Command line', { id: 'recon-chain', claim: `chains ${count} discovery commands in one go`, weight: 1.5, techniques: ['T1082', 'T1016', 'T1033'] }, '', ref));
    }
  }

  function analyse(view: ProcessView): Finding[] {
    const findings: Finding[] = [];
    const seen = new Set<string>();
    const raw = view.commandLine.length > settings.maxScanLength ? view.commandLine.slice(0, settings.maxScanLength) : view.commandLine;
    const text = deobfuscate(raw);
    const programs = new Set<string>();
    const launched = new Set<string>();
    for (const name of [stem(view.imageName), stem(view.originalName.replace(/\.mui$/, ''))]) {
      if (name.length === 0) continue;
      programs.add(name);
      launched.add(name);
    }
    programsIn(text, programs);
    launchedIn(text, launched);
    imageChecks(view, findings);
    if (view.commandLine.length > 0) {
      scanText(text, programs, launched, 'Command line', view.commandLineRef, findings, seen);
      registryFromCommand(text, 'Command line', view.commandLineRef, findings, seen);
      decodePowerShell(text, programs, view.commandLineRef, findings, seen, 0);
      obfuscation(raw, view.commandLine.length, view.commandLineRef, findings);
      reconChain(launched, view.commandLineRef, findings);
    }
    if (!findings.some((finding) => finding.weight > 0)) {
      const lowerImage = normalizePath(view.image);
      const routine = ROUTINE_PROCESSES.find((entry) => entry.image.test(lowerImage) && entry.commandLine.test(view.commandLine.trim()));
      if (routine !== undefined) {
        findings.push({ kind: 'command_line', claim: `Process ${view.imageName} ${routine.claim}.`, weight: -0.3, refs: [view.imageRef], benignReason: 'expected_activity' });
      }
    }
    const features = view.commandLine.length > 0 ? commandFeatures(text, settings.maxScanLength) : [];
    if (view.imageName) features.push(`prog:${stem(view.imageName)}`);
    findings.push(...procedureFindings('command_line', 'Command line', features, view.commandLine.length > 0 ? view.commandLineRef : view.imageRef, successors));
    return capPositiveWeights(findings, settings.maxTotalWeight);
  }

  const cache = new Map<string, Finding[]>();

  function analyseCached(view: ProcessView): Finding[] {
    if (settings.cacheSize === 0) return analyse(view);
    const key = `${view.imageRef}\u0001${view.image}\u0001${view.originalName}\u0001${view.parentName}\u0001${view.parentRef}\u0001${view.commandLineRef}\u0001${view.commandLine}`;
    let result = cache.get(key);
    if (result === undefined) {
      result = analyse(view);
      if (cache.size >= settings.cacheSize) cache.clear();
      cache.set(key, result);
    }
    return result;
  }

  return {
    id: 'command-line',
    description:
      'Reads process command lines, images and parents: encoded PowerShell, download cradles, LOLBAS abuse, credential dumping, defence tampering, obfuscation, renamed or misplaced binaries.',
    enrich(alert: Alert): Finding[] {
      let findings: Finding[] | undefined;
      let processIndex = 0;
      for (let index = 0; index < alert.entities.length && processIndex < 4; index++) {
        const entity = alert.entities[index] as Entity;
        if (entity.kind !== 'process') continue;
        const result = analyseCached(processView(alert, entity, index, processIndex++ === 0));
        if (result.length === 0) continue;
        findings ??= [];
        for (const finding of result) findings.push({ ...finding });
      }
      return findings === undefined ? [] : processIndex > 1 ? keepStrongestPerRule(findings) : findings;
    },
  };
}
