import { createHash } from 'node:crypto';
import type { SoarModel } from '../soar-model.js';

/**
 * Statuses the HTTP Request action retries (Tines matches each as a regular expression): the first
 * try with this Idempotency-Key still runs (409), rate limited, or the service unavailable. The key
 * makes each retry safe.
 */
export const TINES_RETRY_ON_STATUS = ['409', '429', '5\\d\\d'];

/**
 * A Tines story export (schema_version 23, as shared/specs/soar/tines): a webhook receives an
 * alert, an HTTP Request action triages it with Verdict (Idempotency-Key from the alert's hash,
 * retried on 429/5xx, failures emitted as events), and a transform exposes verdict, confidence
 * and the problem details of a refused alert for the next action to branch on.
 */
export function renderTinesStory(model: SoarModel): Record<string, unknown> {
  const triage = model.operations.triage;
  const guid = (name: string) => createHash('sha256').update(`verdict-tines:${name}`).digest('hex').slice(0, 32);
  const storyGuid = guid('story');
  const origin = `cloud:${guid('origin')}:${storyGuid}`;
  const agent = (type: string, name: string, description: string, options: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    type,
    name,
    disabled: false,
    description,
    guid: guid(name),
    origin_story_identifier: origin,
    options,
    reporting: { time_saved_value: 5, time_saved_unit: 'minutes' },
    monitoring: { monitor_all_events: false, monitor_failures: true, monitor_no_events_emitted: null },
    template: { created_from_template_guid: null, created_from_template_version: null, template_tags: [] },
    width: null,
    ...extra,
  });
  const agents = [
    agent('Agents::WebhookAgent', 'Alert in', 'Receives one alert (any shape Verdict normalizes) as the POST body', { path: guid('webhook-path'), secret: guid('webhook-secret'), verbs: 'post' }),
    agent(
      'Agents::HTTPRequestAgent',
      'Triage with Verdict',
      `${triage.summary}: ${triage.method} ${triage.path}. The Idempotency-Key is a hash of the alert, so a retry counts once.`,
      {
        url: `<<RESOURCE.verdict_url>>${triage.path}`,
        method: triage.method.toLowerCase(),
        content_type: 'json',
        // A value that is one pill and nothing else keeps its type: the alert object, not its text.
        payload: '<<alert_in.body>>',
        headers: {
          Authorization: 'Bearer <<CREDENTIAL.verdict_token>>',
          Accept: 'application/json, application/problem+json',
          'Idempotency-Key': 'tines-<<SHA256(TO_JSON(alert_in.body))>>',
        },
        retry_on_status: TINES_RETRY_ON_STATUS,
        emit_failure_event: true,
      },
      { schedule: null },
    ),
    agent(
      'Agents::EventTransformationAgent',
      'Verdict outcome',
      `Verdict and confidence to branch on (${model.verdicts.join(', ')}); on a refused alert, the service's problem details`,
      {
        mode: 'message_only',
        loop: false,
        payload: {
          status: '<<triage_with_verdict.status>>',
          alert_id: '<<triage_with_verdict.body.results[0].alertId>>',
          verdict: '<<triage_with_verdict.body.results[0].verdict>>',
          confidence: '<<triage_with_verdict.body.results[0].confidence>>',
          summary: '<<triage_with_verdict.body.results[0].summary>>',
          problem_type: '<<triage_with_verdict.body.type>>',
          problem_detail: '<<triage_with_verdict.body.detail>>',
          problem_field: '<<triage_with_verdict.body.field>>',
        },
      },
      { schedule: null },
    ),
  ];
  const layout = Object.fromEntries(agents.map((item, index) => [item.guid, [360, 135 + index * 105]]));
  return {
    schema_version: 23,
    standard_lib_version: 63,
    action_runtime_version: 15,
    name: 'Verdict alert triage',
    description: `Send an alert to the webhook; Verdict (API ${model.version}) answers with a verdict and a calibrated confidence. Set the resource verdict_url and the credential verdict_token (verdict token create --scope triage).`,
    guid: storyGuid,
    slug: 'verdict_alert_triage',
    agents,
    diagram_notes: [],
    links: [
      { source: 0, receiver: 1 },
      { source: 1, receiver: 2 },
    ],
    diagram_layout: JSON.stringify(layout),
    send_to_story_enabled: false,
    entry_agent_guid: null,
    exit_agent_guids: [],
    exit_agent_guid: null,
    api_entry_action_guids: [],
    api_exit_action_guids: [],
    keep_events_for: 86400,
    reporting_status: true,
    send_to_story_access: null,
    story_library_metadata: {},
    parent_only_send_to_story: false,
    monitor_failures: true,
    send_to_stories: [],
    synchronous_webhooks_enabled: false,
    send_to_story_access_source: 0,
    send_to_story_skill_use_requires_confirmation: true,
    pages: [],
    tags: ['verdict', 'triage'],
    time_saved_unit: 'minutes',
    time_saved_value: 5,
    origin_story_identifier: origin,
    integration_product: 'Verdict',
    integration_vendor: 'Verdict',
    llm_product_instructions: '',
    exported_at: '2026-12-01T00:00:00Z',
    icon: ':shield:',
    integrations: [],
  };
}
