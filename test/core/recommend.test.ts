import { describe, expect, it } from 'vitest';
import { PolicyConfigSchema } from '../../core/config/config-schema.js';
import { createInventoryEnricher } from '../../core/enrich/inventory/inventory.js';
import { ACTION_CATALOGUE, assetCriticality, recommend } from '../../core/pipeline/recommend.js';
import type { Alert } from '../../core/spec/alert.js';
import type { Evidence } from '../../core/spec/evidence.js';
import { REPO_ROOT, RULES, sampleAlert } from './sample-alerts.js';

const defaultPolicy = PolicyConfigSchema.parse({});
// Criticality comes from the inventory enricher reading the example inventory (fictional assets).
const inventory = createInventoryEnricher({ assets: [{ path: 'examples/inventory/assets.csv' }] }, { baseDir: REPO_ROOT });

function onHost(host: string): { alert: Alert; evidence: Evidence[] } {
  const alert = sampleAlert(RULES.sshScan, { host, ip: '10.20.9.99' });
  const evidence = inventory.enrich(alert, { timeMs: Date.parse(alert.time), evidence: [] }).map((finding, index) => ({ id: `ev-${index + 1}`, source: 'inventory', ...finding }));
  return { alert, evidence };
}

/**
 * A real AIT alert (host and address) with the other entity kinds added by hand: no alert in the
 * eval data carries a source address, a domain, a hash, a user and a sender at once.
 */
const wideAlert: Alert = {
  ...sampleAlert(RULES.webAttack),
  entities: [
    ...sampleAlert(RULES.webAttack).entities,
    { kind: 'ip', value: '192.42.1.174', role: 'source' },
    { kind: 'user', value: 'www-data', role: 'actor' },
    { kind: 'domain', value: 'evil.example', role: 'destination' },
    { kind: 'domain', value: 'intranet.example', role: 'target' },
    { kind: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', role: 'related' },
    { kind: 'email', value: 'attacker@evil.example', role: 'source' },
    { kind: 'email', value: 'victim@corp.example', role: 'target' },
  ],
};

describe('recommend: the catalogue per verdict', () => {
  it('true positive: contain every entity it can act on, then open a case', () => {
    const actions = recommend(wideAlert, 'true_positive', 0.95, [], defaultPolicy);
    expect(actions.map((action) => `${action.action} ${action.target}`)).toEqual([
      'isolate_host intranet_server',
      'block_ip 192.42.1.174',
      'revoke_sessions www-data',
      'reset_password www-data',
      'block_domain evil.example',
      'block_hash d41d8cd98f00b204e9800998ecf8427e',
      'purge_message attacker@evil.example',
      `open_case ${wideAlert.id}`,
    ]);
    // The target address, target domain and recipient are victims, never blocked.
    expect(actions.map((action) => action.target)).not.toContain('10.143.2.4');
    expect(actions.map((action) => action.target)).not.toContain('intranet.example');
    expect(actions.map((action) => action.id)).toEqual(actions.map((_, index) => `act-${index + 1}`));
    for (const action of actions) {
      expect(action.blastRadius).toBe(ACTION_CATALOGUE[action.action].blastRadius);
      expect(action.reason).toContain(action.action === 'open_case' ? 'Open a case' : action.target);
    }
  });

  it('inconclusive: only a case for an analyst; benign or false: only closing the alert', () => {
    expect(recommend(wideAlert, 'inconclusive', 0.6, [], defaultPolicy).map((action) => action.action)).toEqual(['open_case']);
    for (const verdict of ['benign_positive', 'false_positive'] as const) {
      const actions = recommend(wideAlert, verdict, 0.9, [], defaultPolicy);
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatchObject({ action: 'close_alert', target: wideAlert.id, blastRadius: 'none' });
      expect(actions[0]!.reason).toContain(verdict.replace('_', ' '));
    }
  });

  it('proposes each action on each target once', () => {
    const twice: Alert = { ...wideAlert, entities: [...wideAlert.entities, { kind: 'host', value: 'intranet_server', role: 'source' }] };
    expect(recommend(twice, 'true_positive', 0.9, [], defaultPolicy).filter((action) => action.action === 'isolate_host')).toHaveLength(1);
  });
});

describe('recommend: requiresApproval defaults by blast radius', () => {
  const byAction = (confidence: number, evidence: Evidence[] = []) =>
    Object.fromEntries(recommend(wideAlert, 'true_positive', confidence, evidence, defaultPolicy).map((action) => [action.action, [action.requiresApproval, action.policyRule]]));

  it('high and medium blast radius always need approval; none never does', () => {
    const decided = byAction(0.99);
    expect(decided.isolate_host).toEqual([true, 'default:high-blast-radius']);
    expect(decided.revoke_sessions).toEqual([true, 'default:medium-blast-radius']);
    expect(decided.purge_message).toEqual([true, 'default:medium-blast-radius']);
    expect(decided.open_case).toEqual([false, 'default:no-blast-radius']);
  });

  it('low blast radius runs without approval only at confidence ≥ 0.9 and not on a high-criticality asset', () => {
    expect(byAction(0.9).block_ip).toEqual([false, 'default:low-blast-radius-high-confidence']);
    expect(byAction(0.89).block_ip).toEqual([true, 'default:low-blast-radius']);
    const critical = onHost('fin-db-01.corp.example').evidence;
    expect(byAction(0.99, critical).block_hash).toEqual([true, 'default:low-blast-radius']);
    const medium = onHost('fin-ws-014.corp.example').evidence;
    expect(byAction(0.99, medium).block_hash).toEqual([false, 'default:low-blast-radius-high-confidence']);
  });

  it('closing an alert needs approval until policy.closeBenign is on', () => {
    expect(recommend(wideAlert, 'false_positive', 0.99, [], defaultPolicy)[0]).toMatchObject({ requiresApproval: true, policyRule: 'default:close-needs-policy' });
    const closing = PolicyConfigSchema.parse({ closeBenign: true });
    expect(recommend(wideAlert, 'benign_positive', 0.99, [], closing)[0]).toMatchObject({ requiresApproval: false, policyRule: 'default:close-benign-enabled' });
  });
});

describe('recommend: policy rules, first match wins', () => {
  it('reads asset criticality from the inventory evidence detail', () => {
    expect(assetCriticality(onHost('dc01.corp.example').evidence)).toBe('critical');
    expect(assetCriticality(onHost('fin-db-01.corp.example').evidence)).toBe('high');
    expect(assetCriticality(onHost('lab-ws-021.corp.example').evidence)).toBe('low');
    expect(assetCriticality(onHost('not-in-inventory').evidence)).toBeUndefined();
    expect(assetCriticality([...onHost('lab-ws-021.corp.example').evidence, ...onHost('dc01.corp.example').evidence])).toBe('critical');
  });

  it('minCriticality matches at or above the level and never when criticality is unknown', () => {
    const policy = PolicyConfigSchema.parse({ closeBenign: true, approvalRules: [{ name: 'high-assets-need-approval', minCriticality: 'high', requiresApproval: true }] });
    const ruleFor = (host: string) => recommend(onHost(host).alert, 'benign_positive', 0.99, onHost(host).evidence, policy)[0]!;
    expect(ruleFor('dc01.corp.example')).toMatchObject({ requiresApproval: true, policyRule: 'high-assets-need-approval' });
    expect(ruleFor('fin-db-01.corp.example')).toMatchObject({ requiresApproval: true, policyRule: 'high-assets-need-approval' });
    expect(ruleFor('fin-ws-014.corp.example')).toMatchObject({ requiresApproval: false, policyRule: 'default:close-benign-enabled' });
    expect(ruleFor('not-in-inventory')).toMatchObject({ requiresApproval: false, policyRule: 'default:close-benign-enabled' });
  });

  it('the first rule whose action list, criticality and confidence all match decides', () => {
    const policy = PolicyConfigSchema.parse({
      approvalRules: [
        { name: 'blocks-are-automatic', actions: ['block_ip', 'block_domain'], requiresApproval: false },
        { name: 'unsure-needs-a-human', maxConfidence: 0.8, requiresApproval: true },
        { name: 'sure-cases-are-automatic', actions: ['isolate_host'], requiresApproval: false },
        { name: 'never-reached-for-blocks', actions: ['block_ip'], requiresApproval: true },
      ],
    });
    const decided = (confidence: number) =>
      Object.fromEntries(recommend(wideAlert, 'true_positive', confidence, [], policy).map((action) => [action.action, `${action.policyRule}:${action.requiresApproval}`]));
    const unsure = decided(0.7);
    expect(unsure.block_ip).toBe('blocks-are-automatic:false');
    expect(unsure.block_domain).toBe('blocks-are-automatic:false');
    expect(unsure.isolate_host).toBe('unsure-needs-a-human:true');
    expect(unsure.block_hash).toBe('unsure-needs-a-human:true');
    const sure = decided(0.95);
    expect(sure.isolate_host).toBe('sure-cases-are-automatic:false');
    expect(sure.block_hash).toBe('default:low-blast-radius-high-confidence:false');
    expect(sure.revoke_sessions).toBe('default:medium-blast-radius:true');
  });

  it('the example config requires approval for anything on a critical asset', () => {
    const policy = PolicyConfigSchema.parse({ closeBenign: true, approvalRules: [{ name: 'critical-assets-always-need-approval', minCriticality: 'critical', requiresApproval: true }] });
    const { alert, evidence } = onHost('dc01.corp.example');
    const actions = recommend(alert, 'true_positive', 0.99, evidence, policy);
    expect(actions.every((action) => action.requiresApproval && action.policyRule === 'critical-assets-always-need-approval')).toBe(true);
  });
});
