import { randomUUID } from 'node:crypto';
import { readPath } from '../../../core/normalize/finalize.js';
import type { ElasticsearchState } from './elastic-state.js';

/**
 * What the Kibana side of the emulator holds: cases with comments and optimistic-concurrency
 * versions, saved objects, connectors; and the detection-engine writes on alert documents
 * (workflow status, reason, user, tags), which live in the Elasticsearch state's alerts index.
 */

export class KibanaError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { statusCode: this.statusCode, error: this.error, message: this.message };
  }
}

export const badRequest = (message: string): KibanaError => new KibanaError(400, 'Bad Request', message);
export const notFound = (message: string): KibanaError => new KibanaError(404, 'Not Found', message);

export interface CaseRecord {
  [key: string]: unknown;
  id: string;
  version: string;
  status: 'open' | 'in-progress' | 'closed';
  owner: string;
  tags: string[];
  title: string;
  comments: Array<Record<string, unknown>>;
}

export interface SavedObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ type: string; id: string; name: string }>;
  [key: string]: unknown;
}

export interface Connector {
  id: string;
  name: string;
  connector_type_id: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

/** Case and comment versions: Kibana's are base64 of `[seqNo,primaryTerm]` (`WzUzMiwxXQ==`). */
function versionString(sequence: number): string {
  return Buffer.from(JSON.stringify([sequence, 1])).toString('base64');
}

/** Who made a change, as Cases records it; `profile_uid` only for a user with a Kibana user profile. */
export interface KibanaUser {
  username: string;
  profileUid?: string;
}

const userInfo = (user: KibanaUser) => ({ username: user.username, full_name: null, email: null, ...(user.profileUid ? { profile_uid: user.profileUid } : {}) });

export class KibanaState {
  readonly cases = new Map<string, CaseRecord>();
  readonly savedObjects = new Map<string, SavedObject>();
  readonly connectors = new Map<string, Connector>();
  private sequence = 0;

  constructor(
    private readonly elasticsearch: ElasticsearchState,
    private readonly now: () => number,
    readonly version: string,
  ) {}

  private nextVersion(): string {
    this.sequence += 1;
    return versionString(this.sequence);
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  alertsIndex(space: string): string {
    return `.alerts-security.alerts-${space}`;
  }

  /** Alert documents by `_id` or `kibana.alert.uuid` (signal_ids take either). */
  private findAlerts(space: string, ids: string[]) {
    const wanted = new Set(ids);
    return this.elasticsearch
      .documentsOf(this.alertsIndex(space), { ignoreUnavailable: true })
      .filter((document) => wanted.has(document._id) || wanted.has(String(readPath(document._source, 'kibana.alert.uuid'))));
  }

  /**
   * `POST /api/detection_engine/signals/status` by ids; the answer is an update-by-query response.
   * As Kibana's painless script (getUpdateSignalStatusScript): an alert already in that status is
   * left as it is, and `workflow_user` is the profile uid of the user's session, else null.
   */
  setStatus(space: string, ids: string[], status: string, reason: string | undefined, user: KibanaUser): Record<string, unknown> {
    const documents = this.findAlerts(space, ids);
    const at = this.nowIso();
    for (const document of documents) {
      const source = document._source;
      if (readPath(source, 'kibana.alert.workflow_status') === status) continue;
      source['kibana.alert.workflow_status'] = status;
      source['kibana.alert.workflow_status_updated_at'] = at;
      source['kibana.alert.workflow_user'] = user.profileUid ?? null;
      // Closing reasons (9.2+): set on close, removed when the alert is reopened.
      if (status === 'closed' && reason !== undefined) source['kibana.alert.workflow_reason'] = reason;
      else delete source['kibana.alert.workflow_reason'];
    }
    return updateByQueryResponse(documents.length);
  }

  /** `POST /api/detection_engine/signals/tags`. */
  setTags(space: string, ids: string[], add: string[], remove: string[]): Record<string, unknown> {
    const documents = this.findAlerts(space, ids);
    let updated = 0;
    for (const document of documents) {
      const before = (readPath(document._source, 'kibana.alert.workflow_tags') as string[] | undefined) ?? [];
      const after = [...new Set([...before.filter((tag) => !remove.includes(tag)), ...add])];
      if (after.length !== before.length || after.some((tag, index) => tag !== before[index])) updated += 1;
      document._source['kibana.alert.workflow_tags'] = after;
    }
    return { ...updateByQueryResponse(updated), total: documents.length, noops: documents.length - updated };
  }

  createCase(body: Record<string, unknown>, user: KibanaUser): CaseRecord {
    const record: CaseRecord = {
      id: randomUUID(),
      version: this.nextVersion(),
      title: String(body.title),
      description: String(body.description),
      owner: String(body.owner),
      tags: (body.tags as string[]) ?? [],
      settings: body.settings,
      connector: body.connector,
      severity: (body.severity as string | undefined) ?? 'low',
      assignees: (body.assignees as unknown[] | undefined) ?? [],
      category: body.category ?? null,
      customFields: (body.customFields as unknown[] | undefined) ?? [],
      status: 'open',
      comments: [],
      totalComment: 0,
      totalAlerts: 0,
      duration: null,
      closed_at: null,
      closed_by: null,
      created_at: this.nowIso(),
      created_by: userInfo(user),
      updated_at: null,
      updated_by: null,
      external_service: null,
    };
    this.cases.set(record.id, record);
    return record;
  }

  getCase(caseId: string): CaseRecord {
    const record = this.cases.get(caseId);
    if (!record) throw notFound(`Saved object [cases/${caseId}] not found`);
    return record;
  }

  /** `POST /api/cases/{caseId}/comments`: a user comment or an alert attachment. Returns the case. */
  addComment(caseId: string, body: Record<string, unknown>, user: KibanaUser, space: string): CaseRecord {
    const record = this.getCase(caseId);
    if (body.owner !== record.owner) throw badRequest(`The owner field of the comment must match the case owner. Comment owner: ${String(body.owner)} Case owner: ${record.owner}`);
    const comment: Record<string, unknown> = {
      ...body,
      id: randomUUID(),
      version: this.nextVersion(),
      created_at: this.nowIso(),
      created_by: userInfo(user),
      pushed_at: null,
      pushed_by: null,
      updated_at: null,
      updated_by: null,
    };
    if (body.type === 'alert') {
      const alertIds = [body.alertId].flat().map(String);
      const indices = [body.index].flat().map(String);
      if (alertIds.length !== indices.length)
        throw badRequest(`Received an alert comment with ids and indices arrays of different lengths. ids: ${JSON.stringify(alertIds)} indices: ${JSON.stringify(indices)}`);
      const total = record.comments.filter((item) => item.type === 'alert').flatMap((item) => [item.alertId].flat()).length;
      if (total + alertIds.length > 1000) throw badRequest('The number of alerts attached to the case exceeds the maximum allowed of 1000');
      for (const document of this.findAlerts(space, alertIds)) {
        const caseIds = (readPath(document._source, 'kibana.alert.case_ids') as string[] | undefined) ?? [];
        document._source['kibana.alert.case_ids'] = [...new Set([...caseIds, caseId])];
      }
      record.totalAlerts = Number(record.totalAlerts) + alertIds.length;
      // Kibana stores (and answers) alert attachments with alertId and index as arrays.
      comment.alertId = alertIds;
      comment.index = indices;
    } else {
      record.totalComment = Number(record.totalComment) + 1;
    }
    record.comments.push(comment);
    record.version = this.nextVersion();
    record.updated_at = this.nowIso();
    record.updated_by = userInfo(user);
    return record;
  }

  /** `PATCH /api/cases`: each entry needs the case's current `version`, else 409. */
  updateCases(entries: Array<Record<string, unknown>>, user: KibanaUser): CaseRecord[] {
    for (const entry of entries) {
      const record = this.getCase(String(entry.id));
      if (record.version !== entry.version) {
        throw new KibanaError(409, 'Conflict', `This case ${record.id} has been updated. Please refresh before saving additional updates.`);
      }
    }
    return entries.map((entry) => {
      const record = this.getCase(String(entry.id));
      for (const [key, value] of Object.entries(entry)) if (key !== 'id' && key !== 'version') record[key] = value;
      if (entry.status === 'closed' && record.closed_at === null) {
        record.closed_at = this.nowIso();
        record.closed_by = userInfo(user);
      } else if (entry.status !== undefined && entry.status !== 'closed') {
        record.closed_at = null;
        record.closed_by = null;
      }
      record.version = this.nextVersion();
      record.updated_at = this.nowIso();
      record.updated_by = userInfo(user);
      return record;
    });
  }

  findCases(query: URLSearchParams): Record<string, unknown> {
    const perPage = Number(query.get('perPage') ?? 20);
    const page = Number(query.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 0 || perPage > 100) throw badRequest(`[request query]: perPage: Number must be less than or equal to 100`);
    const owners = query.getAll('owner');
    const tags = query.getAll('tags');
    const statuses = query.getAll('status');
    const all = [...this.cases.values()].filter(
      (record) =>
        (owners.length === 0 || owners.includes(record.owner)) && (tags.length === 0 || tags.some((tag) => record.tags.includes(tag))) && (statuses.length === 0 || statuses.includes(record.status)),
    );
    const sortName = query.get('sortField') ?? 'createdAt';
    const sortField = SORT_FIELDS[sortName];
    if (!sortField)
      throw badRequest(
        `[request query]: sortField: Invalid enum value. Expected ${Object.keys(SORT_FIELDS)
          .map((name) => `'${name}'`)
          .join(' | ')}, received '${sortName}'`,
      );
    const order = query.get('sortOrder') === 'asc' ? 1 : -1;
    // Cases without the field (never closed, never updated) sort last, as missing values in Elasticsearch.
    const key = (record: CaseRecord): string | undefined => (record[sortField] === null || record[sortField] === undefined ? undefined : String(record[sortField]));
    all.sort((left, right) => {
      const [a, b] = [key(left), key(right)];
      if (a === b) return 0;
      if (a === undefined) return 1;
      if (b === undefined) return -1;
      return order * a.localeCompare(b);
    });
    const count = (status: string) => [...this.cases.values()].filter((record) => record.status === status).length;
    return {
      cases: all.slice((page - 1) * perPage, page * perPage).map((record) => ({ ...record, comments: [] })),
      page,
      per_page: perPage,
      total: all.length,
      count_open_cases: count('open'),
      count_in_progress_cases: count('in-progress'),
      count_closed_cases: count('closed'),
    };
  }
}

/** `_find` sortField values (cases spec) → the case attribute they sort on. */
const SORT_FIELDS: Record<string, string> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  closedAt: 'closed_at',
  title: 'title',
  category: 'category',
  status: 'status',
  severity: 'severity',
};

function updateByQueryResponse(updated: number): Record<string, unknown> {
  return {
    batches: 1,
    deleted: 0,
    failures: [],
    noops: 0,
    requests_per_second: -1,
    retries: { bulk: 0, search: 0 },
    throttled_millis: 0,
    throttled_until_millis: 0,
    timed_out: false,
    took: 3,
    total: updated,
    updated,
    version_conflicts: 0,
  };
}
