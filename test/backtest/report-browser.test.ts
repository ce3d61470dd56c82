import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBacktestHtml } from '../../core/backtest/report-html.js';
import { createReport, HOSTILE } from './report-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const CHARTS = ['reliability', 'rule-false-positives', 'baselines'] as const;
// CI installs Chromium, so there a missing browser is a failure, not a skip.
const skipReason = existsSync(CHROMIUM) || process.env.CI ? undefined : `${CHROMIUM} is not installed (apt-get install -y chromium); with CI set this fails instead`;

describe.skipIf(skipReason !== undefined)(skipReason ? `back-test report in headless Chromium (skipped: ${skipReason})` : 'back-test report in headless Chromium', () => {
  let directory: string;
  let context: BrowserContext;
  let fileUrl: string;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with apt-get install -y --no-install-recommends chromium`);
    directory = await mkdtemp(join(tmpdir(), 'verdict-report-'));
    const file = join(directory, 'report.html');
    const html = renderBacktestHtml({
      title: HOSTILE.title,
      generatedAt: '2024-06-01T12:00:00Z',
      datasets: [
        { name: HOSTILE.datasetName, report: createReport() },
        { name: 'sigma', report: createReport({ missed: [] }) },
      ],
    });
    await writeFile(file, html, 'utf8');
    fileUrl = pathToFileURL(file).href;
    // A fresh profile per run; Playwright passes it as --user-data-dir (it refuses that flag in args).
    context = await chromium.launchPersistentContext(join(directory, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context.on('request', (request) => requests.push(request.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(fileUrl, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const page = () => context.pages()[0]!;

  it('loads with no console error, no page error, and no request but the file itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(requests).toEqual([fileUrl]);
  });

  it('draws every chart of every data set, with visible marks', async () => {
    const charts = await page().evaluate((kinds) => {
      return [...document.querySelectorAll('section.dataset')].map((section) =>
        kinds.map((kind) => {
          const svg = section.querySelector(`figure[data-chart="${kind}"] svg`);
          const marks = svg ? [...svg.querySelectorAll('.mark')] : [];
          const visible = marks.filter((mark) => {
            const box = mark.getBoundingClientRect();
            return box.width > 0 && box.height > 0 && getComputedStyle(mark).fill !== 'none' && getComputedStyle(mark).fill !== 'rgb(0, 0, 0)';
          });
          return { kind, shapes: svg ? svg.querySelectorAll('rect, circle, path').length : 0, marks: marks.length, visible: visible.length, svgWidth: svg?.getBoundingClientRect().width ?? 0 };
        }),
      );
    }, CHARTS);
    expect(charts).toHaveLength(2);
    for (const section of charts) {
      expect(section.map((chart) => chart.kind)).toEqual(CHARTS);
      for (const chart of section) {
        expect(chart.shapes, chart.kind).toBeGreaterThan(0);
        expect(chart.marks, chart.kind).toBeGreaterThan(0);
        // Coloured by the stylesheet: proves the CSP let the pinned stylesheet apply.
        expect(chart.visible, chart.kind).toBeGreaterThan(0);
        expect(chart.svgWidth, chart.kind).toBeGreaterThan(100);
      }
    }
  });

  it('shows hostile alert text as text: nothing injected runs or becomes an element', async () => {
    const result = await page().evaluate(() => ({
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      injected: document.querySelectorAll('script, img, iframe, object, embed, b, body svg svg').length,
      handlers: [...document.querySelectorAll('*')].flatMap((element) => element.getAttributeNames().filter((name) => name.startsWith('on'))),
      ruleCells: [...document.querySelectorAll('figure[data-chart="rule-false-positives"] tbody td:first-child')].map((cell) => cell.textContent),
      missedHosts: [...document.querySelectorAll('section.missed tbody td:nth-child(2)')].map((cell) => cell.textContent),
      title: document.title,
    }));
    expect(result.pwned).toBeUndefined();
    expect(result.injected).toBe(0);
    expect(result.handlers).toEqual([]);
    expect(result.ruleCells).toContain(HOSTILE.scriptRule);
    expect(result.ruleCells).toContain(HOSTILE.attributeRule);
    expect(result.ruleCells).toContain(HOSTILE.imageRule);
    expect(result.missedHosts).toContain(HOSTILE.host);
    expect(result.title).toBe(HOSTILE.title);
  });
});
