import type { SoarField, SoarModel } from '../soar-model.js';

/** Fixed for the app's life: Splunk SOAR identifies an app by it across upgrades. */
export const SPLUNK_SOAR_APP_ID = '6f1c2a8e-3b7d-4e59-9a0c-5d2e8f4b7a13';
/** Bumped by hand with a release of the app; a fixed value keeps the generated manifest reproducible. */
const APP_UPDATED = '2026-12-01T00:00:00.000000Z';
const DATA_TYPE: Record<string, string> = { string: 'string', number: 'numeric', integer: 'numeric', boolean: 'boolean' };
const ALERT_ID_CONTAINS = ['verdict alert id'];

/**
 * The app manifest (verdict.json) in the format of Splunk's own apps (shared/specs/soar/splunk-soar):
 * asset configuration, and the four actions with parameters and output data paths derived from
 * the OpenAPI fields. main_module is verdict_connector.py; no wheels (standard library only).
 */
export function renderSplunkSoarApp(model: SoarModel): Record<string, unknown> {
  const triage = model.operations.triage;
  const parameterDescription = (name: string, fallback: string) => triage.parameters.find((parameter) => parameter.name === name)?.description || fallback;
  const verdictOutputs = (prefix: string) => [
    { data_path: 'action_result.status', data_type: 'string', example_values: ['success', 'failed'] },
    ...model.resultFields.map((field) => dataPath(`action_result.data.*.${field.name}`, field, prefix)),
    ...model.actionFields.map((field) => dataPath(`action_result.data.*.recommendedActions.*.${field.name}`, field, prefix)),
    ...model.problemFields.map((field) => dataPath(`action_result.data.*.problem.${field.name}`, field, prefix)),
    { data_path: 'action_result.summary.verdict', data_type: 'string', example_values: model.verdicts },
    { data_path: 'action_result.summary.confidence', data_type: 'numeric', example_values: [0.93] },
    { data_path: 'action_result.message', data_type: 'string' },
    { data_path: 'summary.total_objects', data_type: 'numeric', example_values: [1] },
    { data_path: 'summary.total_objects_successful', data_type: 'numeric', example_values: [1] },
  ];
  return {
    appid: SPLUNK_SOAR_APP_ID,
    name: 'Verdict',
    description: `Alert triage: a verdict (${model.verdicts.join(', ')}), a calibrated confidence, the evidence and a recommended response for every alert, from the Verdict service (API ${model.version}).`,
    package_name: 'phantom_verdict',
    publisher: 'Verdict',
    contributors: [{ name: 'Verdict maintainers' }],
    type: 'information',
    main_module: 'verdict_connector.py',
    app_version: model.version,
    utctime_updated: APP_UPDATED,
    product_vendor: 'Verdict',
    product_name: 'Verdict',
    product_version_regex: '.*',
    min_phantom_version: '6.2.1',
    license: 'Copyright (c) Verdict maintainers. Licensed under the Apache License, Version 2.0',
    logo: 'logo_verdict.svg',
    logo_dark: 'logo_verdict_dark.svg',
    python_version: '3.9, 3.13',
    fips_compliant: true,
    latest_tested_versions: [`Verdict ${model.version} (verdict serve), with the app's python3 test against a live service`],
    configuration: {
      base_url: { data_type: 'string', order: 0, description: `URL of verdict serve (e.g. ${model.defaultServer})`, required: true },
      api_token: { data_type: 'password', order: 1, description: `Verdict API token with the ${triage.scopes.join('/')} and ${model.operations.feedback.scopes.join('/')} scopes`, required: true },
      verify_server_cert: { data_type: 'boolean', order: 2, description: 'Verify the server certificate', default: true },
      timeout: { data_type: 'numeric', order: 3, description: 'Seconds to wait for a verdict', default: 60 },
    },
    actions: [
      {
        action: 'test connectivity',
        identifier: 'test_connectivity',
        description: 'Validate the asset configuration: call Verdict with the token',
        verbose: `Calls ${model.operations.listVerdicts.method} ${model.operations.listVerdicts.path} with limit 1, which needs a valid token with the ${model.operations.listVerdicts.scopes.join('/')} scope.`,
        type: 'test',
        read_only: true,
        parameters: {},
        output: [],
        versions: 'EQ(*)',
      },
      {
        action: 'triage alert',
        identifier: 'triage_alert',
        description: triage.summary,
        verbose: `${triage.method} ${triage.path}. Sends an Idempotency-Key derived from the parameters (or the one given), so a retried action counts once. A refused alert fails the action with the service's problem details.`,
        type: 'investigate',
        read_only: false,
        parameters: {
          alert: { description: 'The alert as JSON (OCSF, a platform-native alert, or Verdict Alert JSON)', data_type: 'string', order: 0, primary: true, required: true },
          platform: { description: parameterDescription('platform', 'Platform id'), data_type: 'string', order: 1 },
          map: { description: parameterDescription('map', 'Field map name'), data_type: 'string', order: 2 },
          idempotency_key: { description: parameterDescription('Idempotency-Key', 'Idempotency key'), data_type: 'string', order: 3 },
          asynchronous: {
            description: `For slow (LLM-backed) verdicts: send async=true (the service answers 202 with a job, ${model.operations.getJob.method} ${model.operations.getJob.path}) and poll the job until it finishes`,
            data_type: 'boolean',
            order: 4,
            default: false,
          },
        },
        output: [
          { data_path: 'action_result.parameter.alert', data_type: 'string' },
          { data_path: 'action_result.parameter.asynchronous', data_type: 'boolean' },
          { data_path: 'action_result.parameter.platform', data_type: 'string' },
          { data_path: 'action_result.parameter.map', data_type: 'string' },
          { data_path: 'action_result.parameter.idempotency_key', data_type: 'string' },
          ...verdictOutputs('Triage'),
        ],
        render: { type: 'table', width: 12, height: 5, title: 'Verdict' },
        versions: 'EQ(*)',
      },
      {
        action: 'get verdict',
        identifier: 'get_verdict',
        description: model.operations.getVerdict.summary,
        verbose: `${model.operations.getVerdict.method} ${model.operations.getVerdict.path}.`,
        type: 'investigate',
        read_only: true,
        parameters: { alert_id: { description: 'Id of the triaged alert', data_type: 'string', order: 0, primary: true, contains: ALERT_ID_CONTAINS, required: true } },
        output: [{ data_path: 'action_result.parameter.alert_id', data_type: 'string', contains: ALERT_ID_CONTAINS }, ...verdictOutputs('Verdict')],
        render: { type: 'table', width: 12, height: 5, title: 'Verdict' },
        versions: 'EQ(*)',
      },
      {
        action: 'send feedback',
        identifier: 'send_feedback',
        description: model.operations.feedback.summary,
        verbose: `${model.operations.feedback.method} ${model.operations.feedback.path}: the analyst's verdict on an alert, which Verdict learns from. Sends an Idempotency-Key, so a retried action records once.`,
        type: 'generic',
        read_only: false,
        parameters: {
          alert_id: { description: 'Id of the triaged alert', data_type: 'string', order: 0, primary: true, contains: ALERT_ID_CONTAINS, required: true },
          verdict: { description: "The analyst's verdict", data_type: 'string', order: 1, value_list: model.analystVerdicts, required: true },
          note: { description: field(model.dispositionFields, 'note').description, data_type: 'string', order: 2 },
          analyst: { description: field(model.dispositionFields, 'analyst').description, data_type: 'string', order: 3 },
          idempotency_key: { description: parameterDescription('Idempotency-Key', 'Idempotency key'), data_type: 'string', order: 4 },
        },
        output: [
          { data_path: 'action_result.status', data_type: 'string', example_values: ['success', 'failed'] },
          { data_path: 'action_result.parameter.alert_id', data_type: 'string', contains: ALERT_ID_CONTAINS },
          { data_path: 'action_result.parameter.verdict', data_type: 'string', example_values: model.analystVerdicts },
          { data_path: 'action_result.data.*.recorded', data_type: 'numeric', example_values: [1] },
          { data_path: 'action_result.summary.recorded', data_type: 'numeric', example_values: [1] },
          { data_path: 'action_result.message', data_type: 'string' },
          { data_path: 'summary.total_objects', data_type: 'numeric', example_values: [1] },
          { data_path: 'summary.total_objects_successful', data_type: 'numeric', example_values: [1] },
        ],
        versions: 'EQ(*)',
      },
    ],
    pip39_dependencies: {},
    pip313_dependencies: {},
  };
}

function dataPath(path: string, source: SoarField, prefix: string) {
  return {
    data_path: path,
    data_type: DATA_TYPE[source.type] ?? 'string',
    ...(source.enum ? { example_values: source.enum } : {}),
    ...(source.name === 'alertId' ? { contains: ALERT_ID_CONTAINS } : {}),
    column_name: `${prefix} ${source.name}`,
  };
}

function field(fields: readonly SoarField[], name: string): SoarField {
  return fields.find((candidate) => candidate.name === name) ?? { name, type: 'string', description: name, required: false };
}
