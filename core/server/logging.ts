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

/** ECS fields of one finished request; a 401 is also an authentication event (a failed login). */
export function requestLogFields(input: {
  method: string;
  path: string;
  route: string;
  statusCode: number;
  durationMs: number;
  principal: string | undefined;
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}) {
  const isFailedLogin = input.statusCode === 401;
  return {
    'event.kind': 'event',
    'event.category': isFailedLogin ? ['web', 'authentication'] : ['web'],
    ...(isFailedLogin ? { 'event.action': 'api-token-authentication', 'event.reason': 'no valid token' } : {}),
    'event.outcome': input.statusCode < 400 ? 'success' : 'failure',
    'event.duration': Math.round(input.durationMs * 1e6),
    ...(input.clientIp ? { 'client.ip': input.clientIp } : {}),
    ...(input.userAgent ? { 'user_agent.original': input.userAgent.slice(0, 512) } : {}),
    'http.request.method': input.method,
    'http.response.status_code': input.statusCode,
    'url.path': input.path,
    'http.route': input.route,
    ...(input.principal ? { 'user.name': input.principal } : {}),
  };
}
