import { createHash } from 'node:crypto';

/**
 * The report's only stylesheet. Colours keep at least 3:1 contrast against the background for
 * marks and 4.5:1 for text, and stay distinguishable with the common colour-vision deficiencies
 * (blue / dark orange / dark green / grey). Verdict is always blue, missed attacks always red.
 */
export const REPORT_CSS = `
:root{--bg:#fff;--panel:#f6f7f9;--ink:#1b1f24;--muted:#555d66;--line:#c9ced4;--grid:#e3e6ea;
--verdict:#0072b2;--rule-memory:#b35c00;--rule-host-memory:#00795c;--close-nothing:#6e6e6e;
--truth:#6e6e6e;--danger:#b3261e;--danger-bg:#fdecea;--ok:#1e6b35;--ok-bg:#e7f4ea;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#121417;--panel:#1c2026;--ink:#e8eaed;--muted:#aab1b9;--line:#3a4049;
--grid:#2a2f36;--verdict:#56b4e9;--rule-memory:#f0a04b;--rule-host-memory:#3cc3a0;--close-nothing:#a0a0a0;
--truth:#a0a0a0;--danger:#ff8a80;--danger-bg:#3b1d1b;--ok:#81c995;--ok-bg:#1b3222}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.35em;margin:40px 0 8px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:1.1em;margin:28px 0 6px}
.meta,.note,figcaption p{color:var(--muted)}
nav ul{display:flex;flex-wrap:wrap;gap:6px 16px;padding:0;list-style:none}
a{color:var(--verdict)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:10px;margin:12px 0}
.tile{background:var(--panel);border-radius:8px;padding:10px 12px;border-left:4px solid var(--verdict);margin:0}
.tile dt{font-size:.85em;color:var(--muted)}.tile dd{margin:0;font-size:1.45em;font-weight:600}
.tile .detail{display:block;font-size:.62em;font-weight:400;color:var(--muted)}
.tile.bad{border-left-color:var(--danger);background:var(--danger-bg)}.tile.good{border-left-color:var(--ok)}
figure.chart{margin:16px 0;padding:12px;background:var(--panel);border-radius:8px}
figcaption{font-weight:600}figcaption p{font-weight:400;margin:2px 0 0;font-size:.9em}
svg{display:block;max-width:100%;height:auto;margin-top:8px}
svg text{fill:var(--ink);font:12px system-ui,sans-serif}svg text.small{font-size:10px}svg text.muted{fill:var(--muted)}
svg .axis{stroke:var(--line);stroke-width:1}svg .grid{stroke:var(--grid);stroke-width:1}
svg .diagonal{stroke:var(--truth);stroke-width:1.5;stroke-dasharray:5 4;fill:none}
svg .curve{stroke:var(--verdict);stroke-width:2;fill:none}
svg .verdict{fill:var(--verdict)}svg .rule-memory{fill:var(--rule-memory)}svg .rule-host-memory{fill:var(--rule-host-memory)}
svg .close-nothing{fill:var(--close-nothing)}svg .truth{fill:var(--truth)}svg text.danger{fill:var(--danger);font-weight:600}
svg circle.verdict{stroke:var(--bg);stroke-width:1;fill-opacity:.85}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.9em}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--panel)}td.number,th.number{text-align:right;font-variant-numeric:tabular-nums}
td.text{overflow-wrap:anywhere;max-width:420px}td.short{white-space:nowrap}
tr.missed td{background:var(--danger-bg)}tr.missed td:first-child{border-left:4px solid var(--danger)}
section.missed{border-left:4px solid var(--danger);padding-left:12px}
.callout{padding:10px 12px;border-radius:8px}.callout.bad{background:var(--danger-bg);color:var(--ink)}
.callout.good{background:var(--ok-bg)}
details{margin-top:6px}summary{cursor:pointer;color:var(--muted)}
footer{margin:48px 0 16px;color:var(--muted);font-size:.85em}
@media print{figure.chart,.tile,tr{break-inside:avoid}details{display:none}}
`;

/**
 * Content-Security-Policy for the report: no scripts, no network at all, only this stylesheet
 * (pinned by hash). Even if a value ever escaped the escaping, it could neither run nor call home.
 */
export const REPORT_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(REPORT_CSS, 'utf8').digest('base64')}'; base-uri 'none'; form-action 'none'`;
