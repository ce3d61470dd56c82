import { timingSafeEqual } from 'node:crypto';
import type { ApiToken, TokenScope, VerdictRepository } from '../store/repository.js';
import { HttpError } from './http-error.js';
import { hashSecret, parseBearer } from './tokens.js';

/** Who is calling: the token's id and its holder's name (what the audit log and approvals record). */
export interface Principal {
  tokenId: string;
  name: string;
  scopes: TokenScope[];
}

export interface Authenticator {
  /** The principal for an Authorization header, or an HttpError(401) saying what is wrong. */
  authenticate(header: string | undefined, now: Date): Promise<Principal>;
}

/** A revoked token stops working within this long on every server process. */
const TOKEN_CACHE_MS = 5_000;
/** last_used_at is written at most this often per token, to keep writes off the hot path. */
const TOUCH_INTERVAL_MS = 60_000;
/** Compared against when the token id is unknown, so both paths do the same work. */
const DUMMY_HASH = Buffer.alloc(32);

export function createAuthenticator(repository: VerdictRepository, onTouchError: (error: unknown) => void): Authenticator {
  const cache = new Map<string, { token: ApiToken; fetchedMs: number }>();
  const touchedMs = new Map<string, number>();

  async function lookup(id: string, nowMs: number): Promise<ApiToken | undefined> {
    const cached = cache.get(id);
    if (cached && nowMs - cached.fetchedMs < TOKEN_CACHE_MS) return cached.token;
    const token = await repository.getToken(id);
    if (token) cache.set(id, { token, fetchedMs: nowMs });
    else cache.delete(id);
    return token;
  }

  return {
    async authenticate(header, now) {
      const value = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
      if (!value) throw unauthorized('send Authorization: Bearer <token>; create a token with `verdict token create --name NAME --scope SCOPE`');
      const parsed = parseBearer(value);
      if (!parsed) throw unauthorized('the bearer token is not a Verdict token (vdt_…)');
      const nowMs = now.getTime();
      const token = await lookup(parsed.id, nowMs);
      const presented = Buffer.from(hashSecret(parsed.secret), 'hex');
      const stored = token ? Buffer.from(token.secretHash, 'hex') : DUMMY_HASH;
      const matches = stored.length === presented.length && timingSafeEqual(stored, presented);
      if (!token || !matches) throw unauthorized('the token is not valid');
      if (token.revokedAt) throw unauthorized('the token was revoked; ask an admin for a new one');
      if (token.expiresAt && Date.parse(token.expiresAt) <= nowMs) throw unauthorized('the token expired; ask an admin for a new one');
      if (nowMs - (touchedMs.get(token.id) ?? 0) >= TOUCH_INTERVAL_MS) {
        touchedMs.set(token.id, nowMs);
        repository.touchToken(token.id, now.toISOString()).catch(onTouchError);
      }
      return { tokenId: token.id, name: token.name, scopes: token.scopes };
    },
  };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, message, { headers: { 'www-authenticate': 'Bearer realm="verdict"' } });
}
