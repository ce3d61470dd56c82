import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';
import { VERDICT_VERSION } from '../version.js';

/**
 * JSON logs in Elastic Common Schema shape (`@timestamp`, `log.level`, `message`, `ecs.version`,
 * dotted ECS field names), so Filebeat / Elastic Agent ingest them without a pipeline. Headers are
 * never logged; redaction is the second line of defence should one ever be.
 */
export function createServerLogger(level: string, stream?: DestinationStream): Logger {
  const options = {
    level,
    messageKey: 'message',
    timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
    formatters: {
      level: (label: string) => ({ 'log.level': label }),
      bindings: () => ({ 'ecs.version': '8.11.0', 'service.name': 'verdict', 'service.version': VERDICT_VERSION, 'process.pid': process.pid, 'host.hostname': hostname() }),
    },
    redact: {
      paths: ['authorization', 'headers.authorization', 'req.headers.authorization', '*.authorization', 'secret', '*.secret', 'token', '*.token', 'bearer', '*.bearer'],
      censor: '[redacted]',
    },
  };
  return stream ? pino(options, stream) : pino(options);
}

/** ECS fields of one finished request. */
export function requestLogFields(input: { method: string; path: string; route: string; statusCode: number; durationMs: number; principal: string | undefined }) {
  return {
    'event.kind': 'event',
    'event.category': ['web'],
    'event.duration': Math.round(input.durationMs * 1e6),
    'http.request.method': input.method,
    'http.response.status_code': input.statusCode,
    'url.path': input.path,
    'http.route': input.route,
    ...(input.principal ? { 'user.name': input.principal } : {}),
  };
}
