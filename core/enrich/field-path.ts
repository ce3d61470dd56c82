/**
 * The one way evidence names the alert field it rests on: `entities[2].value`,
 * `entities[2].properties.commandLine`, `fields.CommandLine`. Refs are read back by analysts and
 * by `verdict explain`, so every enricher writes them alike.
 */
export function entityRef(index: number, property?: string): string {
  return property === undefined ? `entities[${index}].value` : `entities[${index}].properties.${property}`;
}

export function fieldRef(name: string): string {
  return `fields.${name}`;
}
