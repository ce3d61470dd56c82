import type { FieldMap } from '../config/config-schema.js';
import { AlertV1Schema, type Alert } from '../spec/alert.js';
import { InvalidAlertError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { finalizeAlert } from '../normalize/finalize.js';
import { normalizeWithFieldMap } from '../normalize/field-map-normalize.js';
import { isOcsfDetectionFinding, normalizeOcsfFinding } from '../normalize/ocsf-normalize.js';
import { DEFAULT_MAX_ENTITIES_PER_ALERT, ENTITIES_TRUNCATED_FIELD } from '../enrich/entity-cap.js';

export interface NormalizeOptions {
  /** Platform id; omitted = detect from the payload. */
  platform?: string;
  fieldMap?: FieldMap;
}

/**
 * One entry point from any native payload to an Alert: Verdict's own Alert JSON, OCSF, a field
 * map, or a platform plugin (passed in by the application: core never imports a plugin).
 */
export function createNormalizer(plugins: readonly PlatformPluginV1[], limits: { maxEntitiesPerAlert?: number } = {}) {
  const byPlatform = new Map(plugins.map((plugin) => [plugin.platform, plugin]));
  const platforms = ['verdict', 'ocsf', 'generic', ...byPlatform.keys()];
  const maxEntities = limits.maxEntitiesPerAlert ?? DEFAULT_MAX_ENTITIES_PER_ALERT;

  return {
    platforms,
    normalize(native: unknown, options: NormalizeOptions = {}): Alert {
      return capEntities(normalizeAny(native, options), maxEntities);
    },
  };

  function normalizeAny(native: unknown, options: NormalizeOptions): Alert {
    const platform = options.platform ?? detect(native, options.fieldMap);
    switch (platform) {
      case 'verdict':
        return finalizeAlert(native as Parameters<typeof finalizeAlert>[0]);
      case 'ocsf':
        return normalizeOcsfFinding(native);
      case 'generic':
        if (!options.fieldMap) {
          throw new InvalidAlertError([{ path: '', message: 'generic records need a field map: pass --map NAME (see fieldMaps in the config)' }]);
        }
        return normalizeWithFieldMap(native, options.fieldMap);
      default: {
        const plugin = byPlatform.get(platform);
        if (!plugin) {
          throw new InvalidAlertError([{ path: '', message: `unknown platform "${platform}": use one of ${platforms.join(', ')}` }]);
        }
        return plugin.normalizeAlert(native);
      }
    }
  }

  function detect(native: unknown, fieldMap: FieldMap | undefined): string {
    if (isOcsfDetectionFinding(native)) return 'ocsf';
    for (const plugin of plugins) if (plugin.detect(native)) return plugin.platform;
    if (fieldMap) return 'generic';
    if (AlertV1Schema.safeParse(native).success) return 'verdict';
    throw new InvalidAlertError([{ path: '', message: `cannot tell which platform this record comes from: pass the platform (${platforms.join(', ')}) or a field map` }]);
  }
}
export type Normalizer = ReturnType<typeof createNormalizer>;

/**
 * At most `maxEntities` entities go on to enrichment (the first ones: normalizers list the main
 * actor and target first); the count the alert had is noted for the entity-cap enricher's claim.
 */
function capEntities(alert: Alert, maxEntities: number): Alert {
  // The fields object is replaced, never changed: repeats of one record share it (normalize/repeat-template.ts).
  if (ENTITIES_TRUNCATED_FIELD in alert.fields) {
    const { [ENTITIES_TRUNCATED_FIELD]: _sent, ...fields } = alert.fields;
    alert.fields = fields;
  }
  if (alert.entities.length <= maxEntities) return alert;
  alert.fields = { ...alert.fields, [ENTITIES_TRUNCATED_FIELD]: String(alert.entities.length) };
  alert.entities = alert.entities.slice(0, maxEntities);
  return alert;
}
