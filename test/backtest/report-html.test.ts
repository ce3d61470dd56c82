import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderBacktestHtml, type BacktestHtmlInput } from '../../core/backtest/report-html.js';
import { escapeHtml, formatPercent, truncate } from '../../core/backtest/report-markup.js';
import { createReport, HOSTILE, metrics, reliability } from './report-fixture.js';

const CHARTS = ['reliability', 'rule-false-positives', 'baselines'] as const;

function render(datasets: BacktestHtmlInput['datasets'] = [{ name: HOSTILE.datasetName, report: createReport() }]): string {
  return renderBacktestHtml({ title: HOSTILE.title, generatedAt: '2024-06-01T12:00:00Z', datasets });
}

/** Every start tag with its attribute names; values are quoted and escaped, so this simple scan is exact. */
function tags(output: string): Array<{ name: string; attributes: string[] }> {
  return [...output.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/g)].map((match) => ({
    name: match[1]!.toLowerCase(),
    attributes: [...match[2]!.matchAll(/([\w:-]+)(?:="[^"]*")?/g)].map((attribute) => attribute[1]!.toLowerCase()),
  }));
}

/** `section` blocks of one data set, split on the section boundaries the renderer writes. */
function datasetSections(output: string): string[] {
  return output.split('<section class="dataset"').slice(1);
}

describe('renderBacktestHtml', () => {
  it('escapes alert text everywhere: no injected element, attribute or script survives', () => {
    const output = render();
    expect(output).not.toMatch(/<script/i);
    expect(output).not.toMatch(/<img|<iframe|<svg onload|<b>/i);
    expect(output).not.toContain('"onerror=');
    expect(output).toContain(escapeHtml(HOSTILE.scriptRule));
    expect(output).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(output).toContain('&quot;onerror=&quot;window.__pwned=2');
    expect(output).toContain(escapeHtml(HOSTILE.host));
    expect(output).toContain(escapeHtml(HOSTILE.summary));
    expect(output).toContain(`<title>${escapeHtml(HOSTILE.title)}</title>`);
    expect(output).toContain(`>${escapeHtml(HOSTILE.datasetName)}</h2>`);

    const allowedTags = new Set([
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'main',
      'header',
      'footer',
      'h1',
      'h2',
      'h3',
      'p',
      'nav',
      'a',
      'section',
      'dl',
      'div',
      'dt',
      'dd',
      'span',
      'figure',
      'figcaption',
      'details',
      'summary',
      'ul',
      'li',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'svg',
      'desc',
      'g',
      'line',
      'path',
      'rect',
      'circle',
      'text',
    ]);
    for (const tag of tags(output)) {
      expect(allowedTags, `unexpected <${tag.name}>`).toContain(tag.name);
      for (const attribute of tag.attributes) expect(attribute, `event handler on <${tag.name}>`).not.toMatch(/^on/);
      expect(tag.attributes, 'resource attribute').not.toContain('src');
    }
  });

  it('references nothing outside the file: no URL, only in-page links, a CSP that forbids scripts and network', () => {
    const output = render([
      { name: 'ait/fox', report: createReport({ groups: [] }) },
      { name: 'sigma', report: createReport({ groups: [] }) },
    ]);
    expect(output).not.toMatch(/https?:|\/\/|url\(|@import/);
    for (const match of output.matchAll(/href="([^"]*)"/g)) expect(match[1]).toMatch(/^#dataset-\d+$/);
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(output)?.[1]?.replaceAll('&#39;', "'");
    expect(policy).toContain("default-src 'none'");
    const css = /<style>([\s\S]*?)<\/style>/.exec(output)?.[1] ?? '';
    // The stylesheet only applies if the CSP pins its exact hash; a drift would unstyle the page.
    expect(policy).toContain(`'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`);
  });

  it('draws each chart section per data set, with data marks, plus the missed and worst-group tables', () => {
    const output = render([
      { name: 'ait/fox', report: createReport() },
      { name: 'sigma', report: createReport() },
    ]);
    const sections = datasetSections(output);
    expect(sections).toHaveLength(2);
    for (const section of sections) {
      for (const chart of CHARTS) {
        const figure = new RegExp(`<figure class="chart" data-chart="${chart}"[\\s\\S]*?</figure>`).exec(section)?.[0] ?? '';
        expect(figure, chart).toMatch(/<svg [^>]*role="img"/);
        expect(figure, chart).toMatch(/<title id="[^"]+">[^<]+<\/title><desc/);
        expect(figure.match(/class="mark /g)?.length ?? 0, chart).toBeGreaterThan(0);
        expect(figure, chart).toContain('<th scope="col"');
      }
      expect(section).toContain('What would have been missed');
      expect(section.match(/<tr class="missed"><td class="text">/g)?.length).toBeGreaterThanOrEqual(2);
      expect(section).toContain('Worst groups');
      expect(section).toContain('2 of 4 groups were handled fully right');
    }
    expect(output).toContain('href="#dataset-1"');
  });

  it('puts the right numbers in the right places', () => {
    const output = render();
    const reliabilityFigure = /data-chart="reliability"[\s\S]*?<\/figure>/.exec(output)?.[0] ?? '';
    // Seven non-empty bins get a point; all ten get a count bar.
    expect(reliabilityFigure.match(/<circle class="mark verdict"/g)).toHaveLength(7);
    expect(reliabilityFigure.match(/<rect class="mark truth"/g)).toHaveLength(10);
    const ruleFigure = /data-chart="rule-false-positives"[\s\S]*?<\/figure>/.exec(output)?.[0] ?? '';
    expect(ruleFigure).toContain('1 attack closed');
    expect(ruleFigure.match(/<rect class="mark verdict"/g)).toHaveLength(5);
    expect(ruleFigure.match(/<rect class="mark truth"/g)).toHaveLength(4); // the ambiguous-only rule has no rate
    const baselineFigure = /data-chart="baselines"[\s\S]*?<\/figure>/.exec(output)?.[0] ?? '';
    expect(baselineFigure.match(/<rect class="mark /g)).toHaveLength(16);
    expect(baselineFigure).toContain('Rule + host memory, Group reduction: 11.0 %');
    expect(output).toContain('<dt>Attack recall</dt><dd>98.00 %');
    expect(output).toContain('<dt>Alerts per second</dt><dd>25,000');
  });

  it('says so when nothing was missed and when nothing was scored', () => {
    const empty = createReport({
      metrics: metrics({ alerts: 0, scored: 0, truePositiveRecall: null, reduction: null, ece: null, missedAttacks: 0, reliability: reliability([]) }),
      perRule: [],
      missed: [],
      groups: [],
    });
    const output = render([{ name: 'empty', report: empty }]);
    expect(output).toContain('No attack would have been auto-closed.');
    expect(output).toContain('No scored alerts');
    expect(output).toContain('No rules');
    expect(output).not.toContain('<tr class="missed">');
    expect(renderBacktestHtml({ title: 't', generatedAt: 'now', datasets: [] })).toContain('No data sets were back-tested.');
  });

  it('is pure: same input, same output, input untouched', () => {
    const report = createReport();
    const before = structuredClone(report);
    const first = render([{ name: 'a', report }]);
    expect(render([{ name: 'a', report }])).toBe(first);
    expect(report).toEqual(before);
  });

  it('shortens long rule names in chart labels but keeps the full name in the tooltip', () => {
    const longRule = `Suspicious ${'very '.repeat(20)}long rule`;
    const report = createReport({ perRule: [{ ...createReport().perRule[0]!, rule: longRule }] });
    const ruleFigure = /data-chart="rule-false-positives"[\s\S]*?<\/figure>/.exec(render([{ name: 'a', report }]))?.[0] ?? '';
    expect(ruleFigure).toContain(`<title>${longRule}</title>${truncate(longRule, 40)}</text>`);
    expect(truncate('ab😀cd', 4)).toBe('ab😀…');
  });
});

describe('formatPercent', () => {
  it('never rounds a near-perfect or near-zero share to a perfect or empty one', () => {
    expect(formatPercent(0.99996, 2)).toBe('99.99 %');
    expect(formatPercent(1, 2)).toBe('100.00 %');
    expect(formatPercent(0.00001)).toBe('0.1 %');
    expect(formatPercent(0)).toBe('0.0 %');
    expect(formatPercent(0.125)).toBe('12.5 %');
    expect(formatPercent(null)).toBe('n/a');
  });
});
