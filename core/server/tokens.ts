import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, TokenScope } from '../store/repository.js';

/**
 * API token format: `vdt_<id>_<secret>`. The id finds the stored token; only the SHA-256 of the
 * secret is stored, so a leaked database holds no usable token. The secret has 256 bits of
 * entropy, so an unsalted fast hash is enough (there is nothing to brute-force).
 */
const TOKEN_PATTERN = /^vdt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  token: ApiToken;
  /** The whole bearer value; shown once, never stored. */
  bearer: string;
}

export function issueToken(input: { name: string; scopes: readonly TokenScope[]; expiresAt?: string | undefined }, now: Date = new Date()): IssuedToken {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    token: {
      id,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      secretHash: hashSecret(secret),
      createdAt: now.toISOString(),
      expiresAt: input.expiresAt,
      revokedAt: undefined,
      lastUsedAt: undefined,
    },
    bearer: `vdt_${id}_${secret}`,
  };
}

export function parseBearer(value: string): { id: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(value);
  return match?.[1] && match[2] ? { id: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** `admin` may do everything; otherwise the token needs one of the scopes a route accepts. */
export function hasScope(scopes: readonly TokenScope[], accepted: readonly TokenScope[]): boolean {
  return scopes.includes('admin') || accepted.some((scope) => scopes.includes(scope));
}
