import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMicrosoftEmulator, type MicrosoftEmulator } from '../emulators/microsoft/microsoft-emulator.js';
import { MICROSOFT_FIXTURES } from '../emulators/microsoft/spec-paths.js';
import { createTestPki, type TestPki } from '../emulators/microsoft/tls.js';

/**
 * One Microsoft tenant for tests: a throwaway PKI, the emulator with one app registration
 * (secret and certificate, Graph permissions, Sentinel Responder), and a plugin config that
 * points the real SDKs at it (national-cloud style endpoints plus the test CA).
 */

export const TENANT_ID = 'b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c';
export const CLIENT_ID = '6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
export const CLIENT_SECRET = 'Vrd8Q~contract.Secret-4f1b7c9d2e';
export const WORKSPACE = { subscriptionId: 'd0cfe6b2-9ac0-4464-9919-dccaee2e48c0', resourceGroup: 'myRg', workspaceName: 'myWorkspace' };

export function readFixture<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(MICROSOFT_FIXTURES, file), 'utf8')) as T;
}

export interface Tenant {
  emulator: MicrosoftEmulator;
  pki: TestPki;
  /** Plugin config (secret auth) for this tenant; spread overrides in. */
  config: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startTenant(options: { graphQuota?: { requests: number; windowMs: number }; graphRoles?: string[]; pki?: TestPki; now?: () => number } = {}): Promise<Tenant> {
  const pki = options.pki ?? createTestPki();
  const emulator = await startMicrosoftEmulator({
    tls: { key: pki.serverKey, cert: pki.serverCert },
    tenantId: TENANT_ID,
    workspace: WORKSPACE,
    apps: [
      {
        clientId: CLIENT_ID,
        displayName: 'Verdict triage',
        clientSecret: CLIENT_SECRET,
        certificatePem: pki.clientCertPem,
        graphRoles: options.graphRoles ?? ['SecurityIncident.ReadWrite.All', 'SecurityAlert.ReadWrite.All'],
        armRole: 'Microsoft Sentinel Responder',
      },
    ],
    ...(options.graphQuota ? { graphQuota: options.graphQuota } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const config = {
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    auth: { clientSecret: CLIENT_SECRET },
    authorityHost: emulator.loginUrl,
    graphEndpoint: emulator.graphUrl,
    armEndpoint: emulator.armUrl,
    caFile: pki.caFile,
    sentinelWorkspace: WORKSPACE,
    initialLookbackMinutes: 60,
  };
  return {
    emulator,
    pki,
    config,
    close: async () => {
      await emulator.close();
      if (!options.pki) pki.cleanup();
    },
  };
}

/** The ARM incident fixture as an open, unclassified incident (what Verdict would find to triage). */
export function openArmIncident(): { name: string; properties: Record<string, unknown> } {
  const incident = readFixture<{ name: string; properties: Record<string, unknown> }>('sentinel-incident.get.json');
  const { classification: _c, classificationReason: _r, classificationComment: _m, ...properties } = incident.properties;
  return { name: incident.name, properties: { ...properties, status: 'Active' } };
}

/** A Graph fixture without its `@odata.type` (the emulator stores entities, it adds the type on output). */
export function withoutODataType(value: Record<string, unknown>): Record<string, unknown> {
  const { '@odata.type': _type, ...rest } = value;
  return rest;
}

/**
 * A Graph documentation example as Graph really returns it (fixtures/README.md lists the doc
 * quirks): `tags` → `customTags`, comments `{createdBy, createdTime}` → `{createdByDisplayName,
 * createdDateTime}`, PascalCase enum values → camelCase. The emulator refuses the quirky form.
 */
export function asCsdlEntity(value: Record<string, unknown>): Record<string, unknown> {
  const { '@odata.type': _type, tags, ...rest } = value;
  const camel = (text: unknown): unknown => (typeof text === 'string' && /^[A-Z]/.test(text) ? `${text[0]!.toLowerCase()}${text.slice(1)}` : text);
  const fixed: Record<string, unknown> = { ...rest };
  for (const key of ['classification', 'determination', 'status', 'severity']) if (key in fixed) fixed[key] = camel(fixed[key]);
  if (Array.isArray(tags)) fixed.customTags = tags;
  if (Array.isArray(rest.comments)) {
    fixed.comments = (rest.comments as Array<Record<string, unknown>>).map((comment) => ({
      comment: comment.comment,
      createdByDisplayName: comment.createdByDisplayName ?? comment.createdBy ?? null,
      createdDateTime: comment.createdDateTime ?? comment.createdTime,
    }));
  }
  if (Array.isArray(rest.alerts)) fixed.alerts = (rest.alerts as Array<Record<string, unknown>>).map(asCsdlEntity);
  return fixed;
}
