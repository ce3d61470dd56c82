import type { Alert, Entity } from '../../spec/alert.js';
import { fileName } from '../knowledge/windows-paths.js';

/** One process of an alert as the command-line enricher reads it, with the ref of each part. */
export interface ProcessView {
  image: string;
  imageName: string;
  originalName: string;
  parentName: string;
  commandLine: string;
  imageRef: string;
  commandLineRef: string;
  parentRef: string;
  originalRef: string;
}

/** The process entity's own properties first; the alert's flat fields fill in for the first process only. */
export function processView(alert: Alert, entity: Entity, index: number, isPrimary: boolean): ProcessView {
  const properties = entity.properties ?? {};
  const base = `entities[${index}]`;
  const field = (property: string, name: string): [string, string] | undefined => {
    const own = properties[property];
    if (own !== undefined && own !== '' && own !== '-') return [own, `${base}.properties.${property}`];
    const flat = isPrimary ? alert.fields[name] : undefined;
    if (flat !== undefined && flat !== '' && flat !== '-') return [flat, `fields.${name}`];
    return undefined;
  };
  const commandLine = field('commandLine', 'CommandLine') ?? [entity.value, `${base}.value`];
  const image = field('image', 'Image') ?? (/^[a-z]:\\|^\\\\|\.exe"?$/i.test(entity.value.trim()) ? [entity.value, `${base}.value`] : ['', `${base}.value`]);
  const original = field('originalFileName', 'OriginalFileName');
  const parent = field('parentImage', 'ParentImage');
  return {
    image: image[0],
    imageName: image[0] ? fileName(image[0]) : '',
    originalName: original ? original[0].trim().toLowerCase() : '',
    parentName: parent ? fileName(parent[0]) : '',
    commandLine: commandLine[0],
    imageRef: image[1],
    commandLineRef: commandLine[1],
    parentRef: parent ? parent[1] : `${base}.properties.parentImage`,
    originalRef: original ? original[1] : `${base}.properties.originalFileName`,
  };
}
