import type { SoarModel } from '../soar-model.js';

/** Every action's connection parameters, as Shuffle's own HTTP app passes them (per action). */
const CONNECTION_PARAMETERS = [
  { name: 'url', description: 'URL of verdict serve', multiline: false, example: 'https://verdict.example:8477', required: true, schema: { type: 'string' } },
  { name: 'apikey', description: 'Verdict API token (verdict token create --scope triage --scope feedback)', multiline: false, example: 'vdt_…', required: true, schema: { type: 'string' } },
];

/**
 * The Shuffle app definition (api.yaml, walkoff 1.4.0 as shared/specs/soar/shuffle): actions
 * triage_alert, get_verdict, send_feedback and test_connectivity, run by src/app.py with the shared
 * standard-library client. Each returns the service's JSON, or its problem details on an error.
 */
export function renderShuffleApp(model: SoarModel): Record<string, unknown> {
  const triage = model.operations.triage;
  const described = (name: string, fallback: string) => triage.parameters.find((parameter) => parameter.name === name)?.description || fallback;
  const text = (name: string, description: string, required: boolean, example: string, multiline = false) => ({ name, description, multiline, example, required, schema: { type: 'string' } });
  const returns = (example: unknown) => ({ schema: { type: 'string' }, example: JSON.stringify(example, null, 2) });
  return {
    walkoff_version: '1.4.0',
    app_version: model.version,
    name: 'verdict',
    description: `Alert triage with Verdict (API ${model.version}): a verdict (${model.verdicts.join(', ')}), a calibrated confidence, the evidence and a recommended response.`,
    tags: ['Triage', 'Alerts', 'AI'],
    categories: ['Intel', 'Other'],
    // No public home page yet: the contact points at the API description of a default install.
    contact_info: { name: 'Verdict maintainers', url: `${model.defaultServer}/openapi.json`, email: 'maintainers@verdict.invalid' },
    actions: [
      {
        name: 'triage_alert',
        description: `${triage.summary} (${triage.method} ${triage.path}); retries count once (Idempotency-Key)`,
        parameters: [
          ...CONNECTION_PARAMETERS,
          text('alert', 'The alert as JSON (OCSF, a platform-native alert, or Verdict Alert JSON)', true, '{"id": "a-1", ...}', true),
          text('platform', described('platform', 'Platform id'), false, 'ocsf'),
          text('idempotency_key', described('Idempotency-Key', 'Idempotency key'), false, 'shuffle-exec-42'),
          { ...text('asynchronous', 'true for slow (LLM-backed) verdicts: the service answers 202 and the action polls the job until it finishes', false, 'false'), options: ['false', 'true'] },
        ],
        returns: returns({ results: [{ alertId: 'a-1', verdict: model.verdicts[0], confidence: 0.93 }], errors: [] }),
      },
      {
        name: 'get_verdict',
        description: `${model.operations.getVerdict.summary} (${model.operations.getVerdict.method} ${model.operations.getVerdict.path})`,
        parameters: [...CONNECTION_PARAMETERS, text('alert_id', 'Id of the triaged alert', true, 'a-1')],
        returns: returns({ alertId: 'a-1', verdict: model.verdicts[0], confidence: 0.93 }),
      },
      {
        name: 'send_feedback',
        description: `${model.operations.feedback.summary} (${model.operations.feedback.method} ${model.operations.feedback.path})`,
        parameters: [
          ...CONNECTION_PARAMETERS,
          text('alert_id', 'Id of the triaged alert', true, 'a-1'),
          { ...text('verdict', "The analyst's verdict", true, model.analystVerdicts[0] ?? ''), options: model.analystVerdicts },
          text('note', 'Free text kept with the disposition', false, 'test account'),
        ],
        returns: returns({ recorded: 1, errors: [] }),
      },
      {
        name: 'test_connectivity',
        description: `Checks the URL and token (${model.operations.listVerdicts.method} ${model.operations.listVerdicts.path}?limit=1)`,
        parameters: [...CONNECTION_PARAMETERS],
        returns: returns({ ok: true }),
      },
    ],
    large_image: VERDICT_ICON_DATA_URI,
  };
}

/** A 1×1 PNG placeholder (Shuffle requires a data-URI image); replace with the logo when there is one. */
const VERDICT_ICON_DATA_URI = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
