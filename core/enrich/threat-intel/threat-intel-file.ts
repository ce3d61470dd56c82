import { readFileSync } from 'node:fs';
import { IntelFormatError, type Indicator } from './threat-intel-indicator.js';

/** One intel file being loaded: loaders hand it indicators and say what they left out. */
export interface LoadingFile {
  absolutePath: string;
  defaultConfidence: number;
  add(indicator: Omit<Indicator, 'source'>): void;
  skip(reason: string): void;
}

/** The file parsed as JSON; unreadable or invalid, an IntelFormatError saying which. */
export function readJson(absolutePath: string, what: string): unknown {
  const text = readText(absolutePath, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IntelFormatError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The file as UTF-8 text; unreadable, an IntelFormatError with the error code and path. */
export function readText(absolutePath: string, what: string): string {
  try {
    return readFileSync(absolutePath, 'utf8');
  } catch (error) {
    throw new IntelFormatError(`${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) at ${absolutePath}`);
  }
}
