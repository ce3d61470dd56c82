// The Verdict integration script for Cortex XSOAR. Built by esbuild (target es5) into the `script`
// of the integration YAML: XSOAR runs it in its embedded JavaScript engine, which has no modules
// and only ES5, hence `var` and `function` throughout (esbuild refuses anything else at that target).
// The API paths and result fields come from the OpenAPI document via VERDICT_API.

var VERDICT_SEVERITY: Record<string, number> = { true_positive: 3, inconclusive: 2, benign_positive: 1, false_positive: 1 };

interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
}

interface CallOutcome {
  ok: boolean;
  status: number;
  body: any;
}

function settings() {
  var params = demisto.params();
  var credentials = (params.credentials || {}) as { password?: string };
  var url = String(params.url || '').replace(/\/+$/, '');
  if (!url) throw new Error('Set the Verdict URL in the integration instance, e.g. https://verdict.example:8477');
  if (!credentials.password) throw new Error('Set the API token (create one with `verdict token create --name xsoar --scope triage --scope feedback`)');
  return { url: url, token: credentials.password, insecure: params.insecure === true, proxy: params.proxy === true };
}

function call(method: string, path: string, query: Record<string, string | undefined>, body: unknown, idempotencyKey: string | undefined): CallOutcome {
  var config = settings();
  var pairs: string[] = [];
  for (var name in query) {
    var value = query[name];
    if (value !== undefined && value !== '') pairs.push(encodeURIComponent(name) + '=' + encodeURIComponent(value));
  }
  var headers: Record<string, string[]> = {
    Authorization: ['Bearer ' + config.token],
    Accept: ['application/json, application/problem+json'],
    'User-Agent': ['Verdict-XSOAR/' + VERDICT_API.version],
  };
  var request: XsoarHttpRequest = { Method: method, Headers: headers };
  if (body !== undefined) {
    headers['Content-Type'] = ['application/json'];
    request.Body = JSON.stringify(body);
  }
  if (idempotencyKey) headers['Idempotency-Key'] = [idempotencyKey];
  var response = http(config.url + path + (pairs.length ? '?' + pairs.join('&') : ''), request, config.insecure, config.proxy);
  var parsed: any;
  try {
    parsed = response.Body ? JSON.parse(response.Body) : undefined;
  } catch (_error) {
    parsed = { detail: String(response.Body).slice(0, 500) };
  }
  return { ok: response.StatusCode >= 200 && response.StatusCode < 300, status: response.StatusCode, body: parsed };
}

/** The service's problem details as an error entry: the playbook sees why, and can branch on Verdict.Error.field. */
function problemEntry(outcome: CallOutcome): XsoarEntry {
  var problem: Problem = outcome.body || {};
  var message = 'Verdict answered ' + outcome.status + ' (' + (problem.title || 'error') + '): ' + (problem.detail || 'no detail') + (problem.field ? ' [field: ' + problem.field + ']' : '');
  return { Type: entryTypes.error, Contents: problem, ContentsFormat: formats.json, HumanReadable: message, EntryContext: { 'Verdict.Error': problem } };
}

function pickResult(result: Record<string, unknown>): Record<string, unknown> {
  var picked: Record<string, unknown> = {};
  for (var index = 0; index < VERDICT_API.resultFields.length; index += 1) {
    var field = VERDICT_API.resultFields[index] as string;
    if (result[field] !== undefined) picked[field] = result[field];
  }
  picked.recommendedActions = result.recommendedActions;
  return picked;
}

function markdownTable(title: string, rows: Array<Record<string, unknown>>, columns: string[]): string {
  var lines = ['### ' + title, '|' + columns.join('|') + '|', '|' + columns.map(() => '---').join('|') + '|'];
  for (var index = 0; index < rows.length; index += 1) {
    var row = rows[index] as Record<string, unknown>;
    lines.push(
      '|' +
        columns
          .map((column) =>
            String(row[column] === undefined ? '' : row[column])
              .replace(/\|/g, '\\|')
              .replace(/\n/g, ' '),
          )
          .join('|') +
        '|',
    );
  }
  return lines.join('\n');
}

function verdictsEntry(results: Array<Record<string, unknown>>, title: string): XsoarEntry {
  var picked = results.map(pickResult);
  return {
    Type: entryTypes.note,
    Contents: results,
    ContentsFormat: formats.json,
    HumanReadable: markdownTable(title, picked, ['alertId', 'verdict', 'confidence', 'ruleName', 'summary']),
    EntryContext: { 'Verdict.Verdict(val.alertId && val.alertId == obj.alertId)': picked },
  };
}

/**
 * The default Idempotency-Key: 64-bit FNV-1a of the request (in 16-bit limbs: the engine is ES5,
 * with no crypto and no 64-bit integers), so a retried task with the same arguments counts once. 32
 * bits were too few: at 100,000 alerts a day two different alerts would share a key about once a
 * day, and the second would be refused (422) as a reuse of the first's.
 */
export function requestKey(prefix: string, text: string): string {
  var h0 = 0x2325;
  var h1 = 0x8422;
  var h2 = 0x9ce4;
  var h3 = 0xcbf2;
  for (var index = 0; index < text.length; index += 1) {
    h0 ^= text.charCodeAt(index);
    // Multiply by the FNV prime 2^40 + 435, modulo 2^64.
    var t0 = h0 * 435;
    var t1 = h1 * 435;
    var t2 = h2 * 435 + (h0 << 8);
    var t3 = h3 * 435 + (h1 << 8);
    t1 += t0 >>> 16;
    h0 = t0 & 0xffff;
    t2 += t1 >>> 16;
    h1 = t1 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
    h2 = t2 & 0xffff;
  }
  var limbs = [h3, h2, h1, h0].map((limb) => ('000' + limb.toString(16)).slice(-4));
  return prefix + '-' + limbs.join('') + '-' + text.length;
}

/** An argument the step cannot use, thrown as a plain object (ES5: no classes); `argument` names it. */
interface ArgumentProblem {
  argument: string;
  message: string;
}

function parseAlert(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (_error) {
    var problem: ArgumentProblem = { argument: 'alert', message: 'the alert argument is not JSON: pass the alert object, e.g. ${incident.rawJSON} or a JSON string' };
    throw problem;
  }
}

function triageAlert(args: Record<string, unknown>): XsoarEntry {
  var alert = parseAlert(args.alert);
  var key = args.idempotency_key ? String(args.idempotency_key) : requestKey('xsoar', JSON.stringify(alert) + '|' + (args.platform || '') + '|' + (args.map || ''));
  var outcome = call(VERDICT_API.triage.method, VERDICT_API.triage.path, { platform: args.platform as string | undefined, map: args.map as string | undefined }, alert, key);
  if (!outcome.ok) return problemEntry(outcome);
  return verdictsEntry(outcome.body.results, 'Verdict');
}

function getVerdict(args: Record<string, unknown>): XsoarEntry {
  var path = VERDICT_API.getVerdict.path.replace('{id}', encodeURIComponent(String(args.alert_id || '')));
  var outcome = call(VERDICT_API.getVerdict.method, path, {}, undefined, undefined);
  if (!outcome.ok) return problemEntry(outcome);
  return verdictsEntry([outcome.body], 'Verdict');
}

function sendFeedback(args: Record<string, unknown>): XsoarEntry {
  var disposition: Record<string, unknown> = { alertId: args.alert_id, verdict: args.verdict };
  if (args.note) disposition.note = args.note;
  if (args.analyst) disposition.analyst = args.analyst;
  var key = args.idempotency_key ? String(args.idempotency_key) : requestKey('xsoar-feedback', JSON.stringify(disposition));
  var outcome = call(VERDICT_API.feedback.method, VERDICT_API.feedback.path, {}, disposition, key);
  if (!outcome.ok) return problemEntry(outcome);
  var feedback = { alertId: args.alert_id, verdict: args.verdict, recorded: outcome.body.recorded };
  return {
    Type: entryTypes.note,
    Contents: outcome.body,
    ContentsFormat: formats.json,
    HumanReadable: 'Feedback recorded: ' + args.verdict + ' on ' + args.alert_id,
    EntryContext: { 'Verdict.Feedback': feedback },
  };
}

function testModule(): string {
  var outcome = call(VERDICT_API.listVerdicts.method, VERDICT_API.listVerdicts.path, { limit: '1' }, undefined, undefined);
  if (outcome.ok) return 'ok';
  var problem: Problem = outcome.body || {};
  return 'Verdict answered ' + outcome.status + ': ' + (problem.detail || 'no detail');
}

/**
 * Mirrors verdicts into incidents: those of the chosen kinds on alerts raised since the last run,
 * oldest first, at most max_fetch a run. A verdict can come after its alert by a while (a
 * connector pulls alerts late, a backlog is triaged), so each run reads again from
 * fetch_lookback_minutes before the newest alert time taken, and the last run keeps the ids taken
 * in that window (with their alert times) so nothing is mirrored twice. The list is read newest
 * first, so every page since then is read, up to MAX_PAGES per kind, before the oldest are taken.
 */
var MAX_PAGES = 20;

/** The engine is ES5: Object.hasOwn does not exist there. */
function hasOwn(object: Record<string, unknown>, key: string): boolean {
  // biome-ignore lint/suspicious/noPrototypeBuiltins: ES5 has no Object.hasOwn
  return Object.prototype.hasOwnProperty.call(object, key);
}

function isoMinus(time: string, minutes: number): string {
  return new Date(new Date(time).getTime() - minutes * 60 * 1000).toISOString();
}

function fetchIncidents(): void {
  var params = demisto.params();
  var lastRun = demisto.getLastRun() || {};
  var lookback = Math.max(0, Number(params.fetch_lookback_minutes || 60));
  var watermark = String(lastRun.since || new Date(Date.now() - Number(params.first_fetch_hours || 24) * 3600 * 1000).toISOString());
  var seen: Record<string, string> = (lastRun.seen as Record<string, string> | undefined) || {};
  // A last run kept before the look-back: its ids were taken at the watermark.
  var legacy = (lastRun.seenIds as string[] | undefined) || [];
  for (var legacyIndex = 0; legacyIndex < legacy.length; legacyIndex += 1) seen[legacy[legacyIndex] as string] = watermark;
  var since = lastRun.since ? isoMinus(watermark, lookback) : watermark;
  var wanted = String(params.fetch_verdicts || 'true_positive,inconclusive')
    .split(',')
    .map((kind) => kind.replace(/^\s+|\s+$/g, ''))
    .filter((kind) => kind !== '');
  var maxFetch = Number(params.max_fetch || 50);
  var candidates: Array<Record<string, any>> = [];
  // One listing per kind wanted (the service filters), so the common kinds never crowd out the rare ones.
  for (var kind = 0; kind < wanted.length; kind += 1) {
    var cursor: string | undefined;
    var pages = 0;
    do {
      var query = { since: since, verdict: wanted[kind] as string, limit: '100', cursor: cursor };
      var outcome = call(VERDICT_API.listVerdicts.method, VERDICT_API.listVerdicts.path, query, undefined, undefined);
      if (!outcome.ok) throw new Error(problemEntry(outcome).HumanReadable);
      var items = outcome.body.items as Array<Record<string, any>>;
      for (var index = 0; index < items.length; index += 1) {
        var item = items[index] as Record<string, any>;
        if (!hasOwn(seen, item.alertId)) candidates.push(item);
      }
      cursor = outcome.body.nextCursor;
      pages += 1;
    } while (cursor && pages < MAX_PAGES);
    if (cursor) demisto.debug('Verdict: more than ' + MAX_PAGES * 100 + ' ' + query.verdict + ' verdicts since ' + since + '; the oldest of them are not mirrored');
  }
  candidates.sort((left, right) => (left.alertTime < right.alertTime ? -1 : left.alertTime > right.alertTime ? 1 : 0));
  var taken = candidates.slice(0, maxFetch);
  var newest = watermark;
  var incidents: XsoarIncident[] = taken.map((result) => {
    if (result.alertTime > newest) newest = result.alertTime;
    seen[result.alertId] = result.alertTime;
    return {
      name: 'Verdict ' + result.verdict + ': ' + result.ruleName + ' (' + result.alertId + ')',
      occurred: result.alertTime,
      severity: VERDICT_SEVERITY[result.verdict] || 0,
      rawJSON: JSON.stringify(result),
      details: result.summary,
    };
  });
  // Keep only the ids the next run's window can still return.
  var horizon = isoMinus(newest, lookback);
  var kept: Record<string, string> = {};
  for (var id in seen) if (hasOwn(seen, id) && (seen[id] as string) >= horizon) kept[id] = seen[id] as string;
  demisto.incidents(incidents);
  demisto.setLastRun({ since: newest, seen: kept });
}

/**
 * A step that could not ask Verdict (an argument that is not JSON, the service unreachable) is an
 * error entry too, with the same Verdict.Error shape as a refusal, so the playbook branches on it.
 */
function stepErrorEntry(title: string, detail: string, field: string | undefined): XsoarEntry {
  var problem: Problem = { title: title, detail: detail };
  if (field) problem.field = field;
  return { Type: entryTypes.error, Contents: problem, ContentsFormat: formats.json, HumanReadable: title + ': ' + detail, EntryContext: { 'Verdict.Error': problem } };
}

function commandEntry(run: () => XsoarEntry): XsoarEntry {
  try {
    return run();
  } catch (error) {
    var message = String((error as Error).message || error);
    var argument = (error as Partial<ArgumentProblem>).argument;
    if (argument) return stepErrorEntry('Invalid argument', message, argument);
    return stepErrorEntry('Could not reach Verdict', message + ' (check the URL, the network and that verdict serve runs)', undefined);
  }
}

export function main(): unknown {
  var command = demisto.command();
  var args = demisto.args();
  switch (command) {
    case 'test-module':
      try {
        return testModule();
      } catch (error) {
        return 'Could not reach Verdict: ' + String((error as Error).message || error);
      }
    case 'fetch-incidents':
      fetchIncidents();
      return undefined;
    case 'verdict-triage-alert':
      return commandEntry(() => triageAlert(args));
    case 'verdict-get-verdict':
      return commandEntry(() => getVerdict(args));
    case 'verdict-send-feedback':
      return commandEntry(() => sendFeedback(args));
    default:
      throw new Error('Unknown command ' + command);
  }
}
