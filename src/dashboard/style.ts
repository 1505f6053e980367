/**
 * The dashboard's one stylesheet, served at `{base}/assets/dashboard.css` (no external URL, no font or
 * image to fetch). Colours reach WCAG AA against their background (light and dark); every state colour
 * comes with a symbol and a word in the markup, so colour is never the only signal.
 */
export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --fg: #1f2328;
  --bg: #ffffff;
  --bg-alt: #f6f8fa;
  --muted: #57606a;
  --border: #d0d7de;
  --link: #0969da;
  --focus: #0969da;
  --ok: #1a7f37;
  --warn: #9a6700;
  --bad: #cf222e;
  --ok-bg: #dafbe1;
  --warn-bg: #fff8c5;
  --bad-bg: #ffebe9;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3;
    --bg: #0d1117;
    --bg-alt: #161b22;
    --muted: #9198a1;
    --border: #3d444d;
    --link: #4493f8;
    --focus: #4493f8;
    --ok: #3fb950;
    --warn: #d29922;
    --bad: #f85149;
    --ok-bg: #12261e;
    --warn-bg: #272115;
    --bad-bg: #25171c;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5;
  color: var(--fg);
  background: var(--bg);
}
a { color: var(--link); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.875em; }
code { background: var(--bg-alt); padding: 0.1em 0.3em; border-radius: 4px; overflow-wrap: break-word; }
.undo code { display: block; overflow-wrap: anywhere; }
small, .muted, .tenant-id { color: var(--muted); }
.visually-hidden {
  position: absolute !important;
  width: 1px; height: 1px;
  padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%);
  white-space: nowrap; border: 0;
}
.skip-link { position: absolute; left: 0.5rem; top: -3rem; padding: 0.5rem 1rem; background: var(--bg); color: var(--link); border: 2px solid var(--focus); z-index: 10; }
.skip-link:focus { top: 0.5rem; }

.site-header {
  display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.5rem;
  padding: 0.75rem 1.5rem; border-bottom: 1px solid var(--border); background: var(--bg-alt);
}
.site-header .brand { font-weight: 600; color: var(--fg); text-decoration: none; }
.site-header .caller { margin: 0 0 0 auto; }
.site-header form { margin: 0; }
main { padding: 1rem 1.5rem 2rem; max-width: 110rem; margin: 0 auto; }
footer { padding: 1rem 1.5rem; border-top: 1px solid var(--border); color: var(--muted); font-size: 0.875rem; }
h1 { font-size: 1.75rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.75rem; padding-bottom: 0.25rem; border-bottom: 1px solid var(--border); }

.notice, .alert { padding: 0.75rem 1rem; border-radius: 6px; border: 1px solid var(--border); margin: 0 0 1rem; }
.notice { border-left: 4px solid var(--link); }
.alert { border-left: 4px solid var(--bad); background: var(--bad-bg); }

.breadcrumbs ol { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.25rem; }
.breadcrumbs li + li::before { content: "/"; margin-right: 0.25rem; color: var(--muted); }

.summary { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; }
.summary li { padding: 0.25rem 0.75rem; border: 1px solid var(--border); border-radius: 999px; }

form.filters, form.inline, .actions { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 0.5rem 1rem; margin: 0 0 1rem; }
form.filters .field { display: flex; flex-direction: column; gap: 0.2rem; }
label { font-weight: 600; font-size: 0.9rem; }
input, select, button { font: inherit; color: inherit; }
input[type="text"], input[type="search"], input[type="password"], select {
  padding: 0.35rem 0.5rem; border: 1px solid var(--muted); border-radius: 6px; background: var(--bg); min-width: 10rem;
}
button { padding: 0.4rem 0.9rem; border: 1px solid var(--link); border-radius: 6px; background: var(--link); color: #ffffff; cursor: pointer; }
button.secondary { background: transparent; color: var(--link); }
@media (prefers-color-scheme: dark) { button { color: #0d1117; } button.secondary { color: var(--link); } }

.table-wrap { overflow-x: auto; max-width: 100%; border: 1px solid var(--border); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.925rem; }
caption { text-align: left; font-weight: 600; padding: 0.5rem 0.75rem; }
th, td { padding: 0.45rem 0.75rem; text-align: left; vertical-align: top; border-top: 1px solid var(--border); }
thead th { background: var(--bg-alt); white-space: nowrap; }
thead th a { color: inherit; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: var(--bg-alt); }
td.empty { text-align: center; color: var(--muted); padding: 1.5rem; }
.tenant-id { display: block; font-size: 0.8rem; font-weight: 400; }
.tenant-id-inline { color: var(--muted); font-weight: 400; }

.health, .step, .drift, .outcome, .status { font-weight: 600; white-space: nowrap; }
.health-ok, .step-ok, .drift-in_sync, .status-ok, .outcome-applied { color: var(--ok); }
.health-degraded, .drift-drifted, .status-degraded, .outcome-partial { color: var(--warn); }
.health-unreachable, .step-failed, .drift-unreachable, .status-unreachable, .outcome-failed, .outcome-refused { color: var(--bad); }
.health-unknown, .step-unknown, .step-skipped, .step-not_configured, .drift-skipped, .drift-none, .status-unknown { color: var(--muted); }
.badge { display: inline-block; font-size: 0.75rem; padding: 0 0.4rem; border: 1px solid var(--border); border-radius: 999px; color: var(--muted); font-weight: 600; }

details summary { cursor: pointer; color: var(--link); }
details.problems ul, ul.problems { margin: 0.25rem 0 0; padding-left: 1.1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.undo-label { display: block; font-size: 0.8rem; color: var(--muted); }

.chart { display: block; max-width: 100%; height: auto; color: var(--fg); }
svg.sparkline { display: inline-block; vertical-align: middle; }
.chart .line { stroke: var(--link); }
.chart .pt-ok { fill: var(--ok); }
.chart .pt-degraded { fill: var(--warn); }
.chart .pt-unreachable { stroke: var(--bad); }
.chart .bar { fill: var(--link); }
.chart .bar-na, .chart pattern line { stroke: var(--muted); }
.chart .grid { stroke: var(--border); }
.chart .axis-line { stroke: var(--muted); }
.chart text { fill: currentColor; }
figure.chart-figure { margin: 0 0 1rem; }
details.latency-data { margin-top: 0.75rem; }
details.latency-data .table-wrap { margin-top: 0.5rem; }

@media (max-width: 40rem) {
  main, .site-header, footer { padding-left: 0.75rem; padding-right: 0.75rem; }
  .site-header .caller { margin-left: 0; }
  dl.facts { grid-template-columns: 1fr; }
  form.filters .field, form.filters input, form.filters select { width: 100%; }
}
@media print {
  :root { --fg: #000000; --bg: #ffffff; --bg-alt: #ffffff; --link: #000000; }
  .skip-link, .site-header form, form, button { display: none !important; }
  .table-wrap { overflow: visible; border: 0; }
  thead th { background: none; }
  tbody tr:hover { background: none; }
  a { text-decoration: none; }
  details > *:not(summary) { display: block; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
`;
