import type { SoarField, SoarModel } from '../soar-model.js';

/** XSOAR configuration parameter types (integration YAML `configuration[].type`). */
const PARAMETER_TYPE = { shortText: 0, encrypted: 4, boolean: 8, credentials: 9, singleSelect: 15, multiSelect: 16, incidentType: 13 } as const;

const CONTEXT_TYPE: Record<string, string> = { string: 'String', number: 'Number', integer: 'Number', boolean: 'Boolean' };

/**
 * The unified integration YAML (as demisto-sdk `unify` writes it): configuration, commands with
 * arguments and context outputs derived from the OpenAPI fields, fetch-incidents, and the script.
 */
export function renderXsoarIntegration(model: SoarModel, script: string): Record<string, unknown> {
  const triage = model.operations.triage;
  const triageParameter = (name: string) => triage.parameters.find((parameter) => parameter.name === name);
  const verdictOutputs = [
    ...model.resultFields.map((field) => output(`Verdict.Verdict.${field.name}`, field)),
    ...model.actionFields.map((field) => output(`Verdict.Verdict.recommendedActions.${field.name}`, field)),
  ];
  const errorOutputs = model.problemFields.map((field) => output(`Verdict.Error.${field.name}`, field));
  return {
    commonfields: { id: 'Verdict', version: -1 },
    name: 'Verdict',
    display: 'Verdict',
    category: 'Analytics & SIEM',
    description: `Alert triage: a verdict (${model.verdicts.join(', ')}), a calibrated confidence, the evidence and a recommended response for every alert. Calls the Verdict HTTP API ${model.version}.`,
    detaileddescription: [
      'Create a token on the Verdict server: `verdict token create --name xsoar --scope triage --scope feedback`.',
      'Paste it as the API token, and set the URL of `verdict serve`.',
      'Every triage and feedback call sends an Idempotency-Key (derived from its arguments unless you pass one), so a retried task counts once.',
    ].join('\n'),
    supportlevelheader: 'community',
    fromversion: '6.10.0',
    configuration: [
      { display: 'Verdict URL', name: 'url', type: PARAMETER_TYPE.shortText, required: true, defaultvalue: model.defaultServer, additionalinfo: 'Where `verdict serve` listens' },
      {
        display: 'API token',
        displaypassword: 'API token',
        name: 'credentials',
        type: PARAMETER_TYPE.credentials,
        required: true,
        hiddenusername: true,
        additionalinfo: `A Verdict token with the ${triage.scopes.join('/')} and ${model.operations.feedback.scopes.join('/')} scopes`,
      },
      { display: 'Trust any certificate (not secure)', name: 'insecure', type: PARAMETER_TYPE.boolean, required: false },
      { display: 'Use system proxy settings', name: 'proxy', type: PARAMETER_TYPE.boolean, required: false },
      { display: 'Fetch incidents', name: 'isFetch', type: PARAMETER_TYPE.boolean, required: false },
      { display: 'Incident type', name: 'incidentType', type: PARAMETER_TYPE.incidentType, required: false },
      { display: 'Verdicts to mirror as incidents', name: 'fetch_verdicts', type: PARAMETER_TYPE.multiSelect, required: false, options: model.verdicts, defaultvalue: 'true_positive,inconclusive' },
      { display: 'First fetch (hours back)', name: 'first_fetch_hours', type: PARAMETER_TYPE.shortText, required: false, defaultvalue: '24' },
      { display: 'Maximum incidents per fetch', name: 'max_fetch', type: PARAMETER_TYPE.shortText, required: false, defaultvalue: '50' },
      {
        display: 'Late verdicts (minutes back)',
        name: 'fetch_lookback_minutes',
        type: PARAMETER_TYPE.shortText,
        required: false,
        defaultvalue: '60',
        additionalinfo: 'Each fetch reads again this far before the newest alert taken, for verdicts given after their alert; a verdict later than that is not mirrored',
      },
    ],
    script: {
      script,
      type: 'javascript',
      isfetch: true,
      runonce: false,
      commands: [
        {
          name: 'verdict-triage-alert',
          description: `${triage.summary} (${triage.method} ${triage.path}). Returns the verdict, confidence, summary and recommended actions.`,
          arguments: [
            { name: 'alert', required: true, description: 'The alert as JSON (any shape Verdict normalizes: OCSF, a platform-native alert, Verdict Alert JSON), e.g. ${incident.rawJSON}' },
            { name: 'platform', required: false, description: triageParameter('platform')?.description ?? 'Platform id of the alert' },
            { name: 'map', required: false, description: triageParameter('map')?.description ?? 'Field map name' },
            { name: 'idempotency_key', required: false, description: triageParameter('Idempotency-Key')?.description ?? 'Idempotency key' },
          ],
          outputs: verdictOutputs,
        },
        {
          name: 'verdict-get-verdict',
          description: `${model.operations.getVerdict.summary} (${model.operations.getVerdict.method} ${model.operations.getVerdict.path}).`,
          arguments: [{ name: 'alert_id', required: true, default: true, description: 'Id of the triaged alert' }],
          outputs: verdictOutputs,
        },
        {
          name: 'verdict-send-feedback',
          description: `${model.operations.feedback.summary} (${model.operations.feedback.method} ${model.operations.feedback.path}). Verdict learns from it.`,
          arguments: [
            { name: 'alert_id', required: true, description: 'Id of the triaged alert' },
            { name: 'verdict', required: true, auto: 'PREDEFINED', predefined: model.analystVerdicts, description: "The analyst's verdict" },
            { name: 'note', required: false, description: fieldDescription(model.dispositionFields, 'note') },
            { name: 'analyst', required: false, description: fieldDescription(model.dispositionFields, 'analyst') },
            { name: 'idempotency_key', required: false, description: 'Idempotency key (default: derived from the arguments)' },
          ],
          outputs: [
            { contextPath: 'Verdict.Feedback.alertId', description: 'Alert id', type: 'String' },
            { contextPath: 'Verdict.Feedback.verdict', description: "The analyst's verdict", type: 'String' },
            { contextPath: 'Verdict.Feedback.recorded', description: 'Dispositions recorded (0 or 1)', type: 'Number' },
            ...errorOutputs,
          ],
        },
      ],
    },
    tests: ['No tests (auto formatted)'],
  };
}

function output(contextPath: string, field: SoarField) {
  return { contextPath, description: field.description, type: CONTEXT_TYPE[field.type] ?? 'Unknown' };
}

function fieldDescription(fields: readonly SoarField[], name: string): string {
  return fields.find((field) => field.name === name)?.description ?? name;
}
