import { EsError } from './elastic-state.js';
import { KibanaError } from './kibana-state.js';

/**
 * Users, API keys and roles of the emulator, and the privilege checks Elasticsearch and Kibana
 * make. Roles are the ones plugins/elastic/README.md asks an operator to create.
 */

export type RoleName = 'superuser' | 'verdict_connector' | 'verdict_installer' | 'viewer';

interface Role {
  read: RegExp[];
  createDoc: RegExp[];
  cluster: string[];
  /** Kibana features this role may write (siem: alert status/tags; cases; saved objects; actions). */
  kibanaWrite: string[];
}

const everything = [/.*/];
const ROLES: Record<RoleName, Role> = {
  superuser: { read: everything, createDoc: everything, cluster: ['all'], kibanaWrite: ['siem', 'cases', 'savedObjects', 'actions'] },
  verdict_connector: {
    read: [/^\.internal\.alerts-security\.alerts-/, /^\.ds-logs-verdict\.triage-/, /^logs-verdict\.triage-/],
    createDoc: [/^logs-verdict\.triage-/, /^\.ds-logs-verdict\.triage-/],
    cluster: [],
    kibanaWrite: ['siem', 'cases'],
  },
  verdict_installer: { read: [/^\.ds-logs-verdict\.triage-/], createDoc: [], cluster: ['manage_index_templates', 'manage_pipeline'], kibanaWrite: ['savedObjects', 'actions'] },
  viewer: { read: everything, createDoc: [], cluster: [], kibanaWrite: [] },
};

export interface Principal {
  username: string;
  roles: RoleName[];
  apiKey?: string;
  /** The Kibana user profile behind the request (see UserSpec.profileUid); API keys have none. */
  profileUid?: string;
  require(privilege: 'read' | 'create_doc', indices: string[]): void;
  requireCluster(privilege: string): void;
  requireKibana(feature: string, action: string): void;
}

export interface UserSpec {
  password: string;
  roles: RoleName[];
  /**
   * The user's Kibana user profile uid: Kibana creates it when the user logs in to its UI and puts
   * it on the requests of that session. Requests from such a user stand for their UI session here;
   * a user without one (a service account sending an Authorization header, as Verdict does) has no
   * profile, so Kibana records them as `null` in `kibana.alert.workflow_user`.
   */
  profileUid?: string;
}

export function createPrincipal(username: string, roles: RoleName[], apiKey?: string, profileUid?: string): Principal {
  const granted = roles.map((name) => ROLES[name]);
  return {
    username,
    roles,
    ...(apiKey ? { apiKey } : {}),
    ...(profileUid && !apiKey ? { profileUid } : {}),
    require(privilege, indices) {
      const denied = indices.filter((index) => !granted.some((role) => (privilege === 'read' ? [...role.read, ...role.createDoc] : role.createDoc).some((pattern) => pattern.test(index))));
      if (denied.length === 0) return;
      const action = privilege === 'read' ? 'indices:data/read/search' : 'indices:data/write/bulk[s]';
      const grantedBy = privilege === 'read' ? '[read,all]' : '[create_doc,create,index,write,all]';
      throw new EsError(
        403,
        'security_exception',
        `action [${action}] is unauthorized for user [${username}] with effective roles [${roles.join(',')}] on indices [${denied.join(',')}], this action is granted by the index privileges ${grantedBy}`,
      );
    },
    requireCluster(privilege) {
      if (granted.some((role) => role.cluster.includes('all') || role.cluster.includes(privilege))) return;
      throw new EsError(
        403,
        'security_exception',
        `action [cluster:admin/${privilege}] is unauthorized for user [${username}] with effective roles [${roles.join(',')}], this action is granted by the cluster privileges [${privilege},manage,all]`,
      );
    },
    requireKibana(feature, action) {
      if (granted.some((role) => role.kibanaWrite.includes(feature))) return;
      throw new KibanaError(403, 'Forbidden', `Unauthorized to ${action}`);
    },
  };
}
