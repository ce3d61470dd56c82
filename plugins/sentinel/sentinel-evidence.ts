import { isIP } from 'node:net';
import type { Entity } from '../../core/spec/alert.js';
import { GraphEvidenceSchema, stringsOf, type GraphEvidence } from './sentinel-alert.js';

/**
 * Graph `alertEvidence` subtypes → entities. Every subtype in the CSDL that names a thing an
 * analyst can act on is read (device, user, IP, URL, file, hash, process and its parent, registry
 * key and value, mailbox, mail message, cloud application, OAuth app, service principal, Azure /
 * AWS / GCP resource, DNS, network connection, cloud logon, Kubernetes, containers, blobs, Teams
 * messages, security groups, GitHub, IoT, AI agents). The evidence's own roles and verdict travel
 * in the entity's properties; the role decides the entity role.
 */

export type AddEntity = (kind: Entity['kind'], value: string | undefined, role: Entity['role'], properties?: Record<string, string | undefined>) => void;

/** evidenceRole (CSDL) → the part the entity played. Roles not listed say nothing about direction. */
const ROLE_BY_EVIDENCE_ROLE: Record<string, Entity['role']> = {
  attacker: 'actor',
  policyViolator: 'actor',
  compromised: 'target',
  attacked: 'target',
  source: 'source',
  destination: 'destination',
  commandAndControl: 'destination',
};

const HIVE_ABBREVIATIONS: Record<string, string> = {
  HKEY_LOCAL_MACHINE: 'HKLM',
  HKEY_CURRENT_USER: 'HKCU',
  HKEY_USERS: 'HKU',
  HKEY_CLASSES_ROOT: 'HKCR',
  HKEY_CURRENT_CONFIG: 'HKCC',
};

type Record_ = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined);
const obj = (value: unknown): Record_ | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record_) : undefined);
const list = (value: unknown): Record_[] => (Array.isArray(value) ? value.map(obj).filter((item): item is Record_ => item !== undefined) : []);

/** `DOMAIN\account`, a UPN, or the bare account name, from a CSDL `userAccount`. */
export function accountName(account: Record_ | undefined): string | undefined {
  if (!account) return undefined;
  const upn = str(account.userPrincipalName);
  if (upn) return upn;
  const name = str(account.accountName);
  const domain = str(account.domainName);
  return name ? (domain ? `${domain}\\${name}` : name) : str(account.displayName);
}

/** Full path of a CSDL `fileDetails` (Graph splits the folder from the name). */
export function filePathOf(details: Record_ | undefined): string | undefined {
  if (!details) return undefined;
  const folder = str(details.filePath);
  const name = str(details.fileName);
  if (folder && name) return folder.endsWith(name) ? folder : `${folder.replace(/[\\/]+$/, '')}\\${name}`;
  return folder ?? name;
}

function registryPath(evidence: Record_, withValue: boolean): string | undefined {
  const key = str(evidence.registryKey);
  if (!key) return undefined;
  const hive = str(evidence.registryHive);
  const parts = [hive ? (HIVE_ABBREVIATIONS[hive.toUpperCase()] ?? hive) : undefined, key, withValue ? str(evidence.registryValueName) : undefined];
  return parts.filter((part): part is string => part !== undefined).join('\\');
}

function evidenceFacts(evidence: GraphEvidence): Record<string, string | undefined> {
  const roles = stringsOf(evidence.roles);
  const detailed = stringsOf(evidence.detailedRoles);
  return {
    evidenceType: evidence['@odata.type'].replace(/^#?microsoft\.graph\.security\./, ''),
    ...(roles.length > 0 ? { evidenceRoles: roles.join(',') } : {}),
    ...(detailed.length > 0 ? { detailedRoles: detailed.join(',') } : {}),
    ...(evidence.verdict && evidence.verdict !== 'unknown' ? { evidenceVerdict: evidence.verdict } : {}),
    ...(evidence.remediationStatus && evidence.remediationStatus !== 'none' ? { remediationStatus: evidence.remediationStatus } : {}),
  };
}

export function roleOf(evidence: GraphEvidence, fallback: Entity['role']): Entity['role'] {
  for (const role of stringsOf(evidence.roles)) {
    const mapped = ROLE_BY_EVIDENCE_ROLE[role];
    if (mapped) return mapped;
  }
  return fallback;
}

function addHashes(add: AddEntity, details: Record_ | undefined, facts: Record<string, string | undefined>): void {
  for (const algorithm of ['sha256', 'sha1', 'md5'] as const) {
    const digest = str(details?.[algorithm]);
    if (digest && /^[0-9a-fA-F]+$/.test(digest)) add('hash', digest.toLowerCase(), 'related', { algorithm, ...facts });
  }
}

function addIp(add: AddEntity, value: unknown, role: Entity['role'], facts: Record<string, string | undefined> = {}): void {
  const address = str(value);
  if (address && isIP(address) !== 0) add('ip', address, role, facts);
}

/** An `ipEvidence` nested in another evidence (dnsEvidence, networkConnectionEvidence, …). */
function addNestedIp(add: AddEntity, value: unknown, role: Entity['role']): void {
  const nested = obj(value);
  if (nested) addIp(add, nested.ipAddress, role, { countryLetterCode: str(nested.countryLetterCode) });
}

function addProcess(add: AddEntity, evidence: Record_, role: Entity['role'], facts: Record<string, string | undefined>): void {
  const image = filePathOf(obj(evidence.imageFile));
  const commandLine = str(evidence.processCommandLine);
  const user = accountName(obj(evidence.userAccount));
  add('process', commandLine ?? image, role, {
    ...facts,
    image,
    commandLine,
    processId: str(evidence.processId),
    parentProcessId: str(evidence.parentProcessId),
    parentImage: filePathOf(obj(evidence.parentProcessImageFile)),
    user,
    hashes:
      ['sha256', 'sha1', 'md5']
        .map((algorithm) => str(obj(evidence.imageFile)?.[algorithm]) && `${algorithm.toUpperCase()}=${str(obj(evidence.imageFile)?.[algorithm])}`)
        .filter(Boolean)
        .join(',') || undefined,
  });
  if (user) add('user', user, 'actor', { sid: str(obj(evidence.userAccount)?.userSid) });
  addHashes(add, obj(evidence.imageFile), facts);
}

/** Reads one evidence item. Unknown subtypes (newer than the CSDL) are skipped, never fatal. */
export function readEvidence(raw: unknown, add: AddEntity): void {
  const parsed = GraphEvidenceSchema.safeParse(raw);
  if (!parsed.success) return;
  const evidence = parsed.data;
  const item = evidence as Record_;
  const facts = evidenceFacts(evidence);
  const type = facts.evidenceType!;
  const role = (fallback: Entity['role']): Entity['role'] => roleOf(evidence, fallback);
  switch (type) {
    case 'deviceEvidence': {
      add('host', str(item.deviceDnsName) ?? str(item.hostName) ?? str(item.mdeDeviceId), role('target'), {
        ...facts,
        mdeDeviceId: str(item.mdeDeviceId),
        azureAdDeviceId: str(item.azureAdDeviceId),
        osPlatform: str(item.osPlatform),
        riskScore: str(item.riskScore),
      });
      for (const address of [...stringsOf(item.ipInterfaces), str(item.lastIpAddress), str(item.lastExternalIpAddress)]) addIp(add, address, 'related');
      for (const user of list(item.loggedOnUsers)) add('user', accountName(user), 'related', { loggedOn: 'true' });
      add('cloud_resource', str(obj(item.vmMetadata)?.resourceId), 'related', { cloudProvider: str(obj(item.vmMetadata)?.cloudProvider) });
      return;
    }
    case 'userEvidence': {
      const account = obj(item.userAccount);
      add('user', accountName(account), role('actor'), { ...facts, sid: str(account?.userSid), azureAdUserId: str(account?.azureAdUserId), displayName: str(account?.displayName) });
      return;
    }
    case 'ipEvidence':
      addIp(add, item.ipAddress, role('related'), { ...facts, countryLetterCode: str(item.countryLetterCode) });
      return;
    case 'urlEvidence':
      add('url', str(item.url), role('related'), facts);
      return;
    case 'fileEvidence': {
      const details = obj(item.fileDetails);
      add('file', filePathOf(details), role('target'), { ...facts, mdeDeviceId: str(item.mdeDeviceId), publisher: str(details?.filePublisher), signer: str(details?.signer) });
      addHashes(add, details, facts);
      return;
    }
    case 'fileHashEvidence': {
      const digest = str(item.value);
      if (digest) add('hash', digest.toLowerCase(), role('related'), { ...facts, algorithm: str(item.algorithm)?.toLowerCase() });
      return;
    }
    case 'processEvidence':
      addProcess(add, item, role('actor'), facts);
      return;
    case 'registryKeyEvidence':
      add('registry', registryPath(item, false), role('target'), facts);
      return;
    case 'registryValueEvidence':
      add('registry', registryPath(item, true), role('target'), {
        ...facts,
        valueName: str(item.registryValueName),
        details: str(item.registryValue),
        valueType: str(item.registryValueType),
      });
      return;
    case 'mailboxEvidence':
      add('email', str(item.primaryAddress) ?? str(item.upn), role('target'), { ...facts, displayName: str(item.displayName), mailbox: 'true' });
      add('user', accountName(obj(item.userAccount)) ?? str(item.upn), 'related');
      return;
    case 'mailboxConfigurationEvidence':
      add('email', str(item.mailboxPrimaryAddress) ?? str(item.upn), role('target'), { ...facts, configurationType: str(item.configurationType) });
      return;
    case 'analyzedMessageEvidence': {
      const sender = str(obj(item.p1Sender)?.emailAddress) ?? str(obj(item.p2Sender)?.emailAddress);
      add('email', sender, 'source', {
        ...facts,
        subject: str(item.subject),
        networkMessageId: str(item.networkMessageId),
        internetMessageId: str(item.internetMessageId),
        deliveryAction: str(item.deliveryAction),
        threats: stringsOf(item.threats).join(',') || undefined,
      });
      add('email', str(item.recipientEmailAddress), 'target', { recipient: 'true' });
      addIp(add, item.senderIp, 'source');
      for (const url of stringsOf(item.urls)) add('url', url, 'related', { inMessage: 'true' });
      return;
    }
    case 'submissionMailEvidence':
      add('email', str(item.sender), 'source', { ...facts, subject: str(item.subject), networkMessageId: str(item.networkMessageId), submitter: str(item.submitter) });
      add('email', str(item.recipient), 'target', { recipient: 'true' });
      addIp(add, item.senderIp, 'source');
      return;
    case 'teamsMessageEvidence':
      add('email', str(item.senderFromAddress), 'source', { ...facts, subject: str(item.subject), messageId: str(item.messageId) });
      addIp(add, item.senderIP, 'source');
      for (const url of list(item.urls)) add('url', str(url.url), 'related');
      for (const file of list(item.files)) add('file', filePathOf(obj(file.fileDetails)), 'related');
      return;
    case 'mailClusterEvidence':
      return; // A query over many messages, not one entity.
    case 'cloudApplicationEvidence':
      add('cloud_resource', str(item.displayName) ?? str(item.appId), role('related'), { ...facts, appId: str(item.appId), instanceName: str(item.instanceName), resourceType: 'cloudApplication' });
      return;
    case 'oauthApplicationEvidence':
      add('cloud_resource', str(item.displayName) ?? str(item.appId), role('related'), { ...facts, appId: str(item.appId), publisher: str(item.publisher), resourceType: 'oauthApplication' });
      return;
    case 'servicePrincipalEvidence':
      add('user', str(item.servicePrincipalName) ?? str(item.appId), role('actor'), {
        ...facts,
        appId: str(item.appId),
        servicePrincipalObjectId: str(item.servicePrincipalObjectId),
        accountType: 'servicePrincipal',
      });
      return;
    case 'azureResourceEvidence':
      add('cloud_resource', str(item.resourceId) ?? str(item.resourceName), role('target'), { ...facts, resourceName: str(item.resourceName), resourceType: str(item.resourceType) });
      return;
    case 'amazonResourceEvidence':
      add('cloud_resource', str(item.amazonResourceId) ?? str(item.resourceName), role('target'), { ...facts, accountId: str(item.amazonAccountId), resourceType: str(item.resourceType) });
      return;
    case 'googleCloudResourceEvidence':
      add('cloud_resource', str(item.fullResourceName) ?? str(item.resourceName), role('target'), { ...facts, projectId: str(item.projectId), resourceType: str(item.resourceType) });
      return;
    case 'blobEvidence':
    case 'blobContainerEvidence':
      add('cloud_resource', str(item.url) ?? str(item.name), role('target'), { ...facts, resourceType: type.replace('Evidence', '') });
      return;
    case 'sasTokenEvidence':
      add('cloud_resource', str(obj(item.storageResource)?.resourceId), role('target'), { ...facts, resourceType: 'sasToken' });
      return;
    case 'dnsEvidence':
      add('domain', str(item.domainName), role('related'), facts);
      for (const address of list(item.ipAddresses)) addIp(add, address.ipAddress, 'related');
      addNestedIp(add, item.dnsServerIp, 'related');
      addNestedIp(add, item.hostIpAddress, 'source');
      return;
    case 'networkConnectionEvidence':
      addNestedIp(add, item.sourceAddress, 'source');
      addNestedIp(add, item.destinationAddress, 'destination');
      return;
    case 'cloudLogonSessionEvidence':
      add('user', accountName(obj(obj(item.account)?.userAccount)), role('actor'), { ...facts, userAgent: str(item.userAgent), deviceName: str(item.deviceName) });
      add('host', str(item.deviceName), 'source');
      return;
    case 'hostLogonSessionEvidence':
      add('user', accountName(obj(obj(item.account)?.userAccount)), role('actor'), facts);
      add('host', str(obj(item.host)?.deviceDnsName) ?? str(obj(item.host)?.hostName), 'target');
      return;
    case 'securityGroupEvidence':
      add('user', str(item.displayName) ?? str(item.securityGroupId), role('related'), { ...facts, sid: str(item.sid), accountType: 'securityGroup' });
      return;
    case 'gitHubUserEvidence':
    case 'gitHubOrganizationEvidence':
      add('user', str(item.login) ?? str(item.email), role('related'), { ...facts, accountType: type.replace('Evidence', '') });
      return;
    case 'gitHubRepoEvidence':
      add('url', str(item.baseUrl), role('target'), facts);
      return;
    case 'ioTDeviceEvidence':
      add('host', str(item.deviceName) ?? str(item.deviceId), role('target'), { ...facts, deviceType: str(item.deviceType) });
      addNestedIp(add, item.ipAddress, 'related');
      return;
    case 'aiAgentEvidence':
      add('cloud_resource', str(item.agentName) ?? str(item.agentId), role('related'), { ...facts, resourceType: 'aiAgent' });
      return;
    case 'malwareEvidence':
      for (const file of list(item.files)) readEvidence({ '@odata.type': '#microsoft.graph.security.fileEvidence', ...file }, add);
      for (const process of list(item.processes)) readEvidence({ '@odata.type': '#microsoft.graph.security.processEvidence', ...process }, add);
      return;
    case 'containerEvidence':
    case 'containerImageEvidence':
    case 'containerRegistryEvidence':
    case 'kubernetesClusterEvidence':
    case 'kubernetesControllerEvidence':
    case 'kubernetesNamespaceEvidence':
    case 'kubernetesPodEvidence':
    case 'kubernetesSecretEvidence':
    case 'kubernetesServiceAccountEvidence':
    case 'kubernetesServiceEvidence': {
      const name = str(item.name) ?? str(item.imageId) ?? str(item.registry) ?? str(item.containerId);
      const namespace = str(obj(item.namespace)?.name);
      add('cloud_resource', name && namespace ? `${namespace}/${name}` : name, role('related'), { ...facts, resourceType: type.replace('Evidence', '') });
      addNestedIp(add, item.podIp, 'related');
      addNestedIp(add, item.clusterIP, 'related');
      return;
    }
    default:
      return; // activeDirectoryDomain, cloudLogonRequest, nic…: context only, no entity.
  }
}
