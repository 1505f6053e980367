/**
 * The dashboard's pages as HTML documents: the fleet (one row per tenant), a tenant, sign-in and
 * errors. Pure functions from the page's data (`model.ts`) to a string; the HTTP layer serves them.
 *
 * Every value from a CRM, the configuration or the caller goes through `html` (escaped); links are
 * built with `href` (encoded) and a CRM's URL is a link only when it is http(s). Pages hold no script
 * and no external URL: one stylesheet, `{base}/assets/dashboard.css` (`DASHBOARD_CSS`). Charts are
 * inline SVG, each with a text alternative and its data as a table.
 */
import type { DriftSummary, FleetQuery, FleetRow, FleetSortKey, FleetView, HealthState, PageContext, StepState, TenantView } from './model.js';
import { attr, absoluteTimeTag, classToken, encodeComponent, formatCount, href, html, join, safeUrl, timeTag, type SafeHtml } from './html.js';
import { latencyChart, latencyTable, monthBars, monthTable, sparkline } from './charts.js';

export { relativeTime } from './html.js';
export { DASHBOARD_CSS } from './style.js';

const PRODUCT = 'espocrm-admin-mcp dashboard';

// ---------------------------------------------------------------------------------------------------
// The page shell

interface Shell {
  title: string;
  base: string;
  version: string;
  ctx?: PageContext;
  main: SafeHtml;
}

function header(base: string, ctx: PageContext | undefined): SafeHtml {
  const caller =
    ctx &&
    html`<p class="caller">Signed in as <strong>${ctx.caller.name}</strong>${ctx.caller.readOnly && html` <span class="badge">read-only</span>`}</p>`;
  const signOut =
    ctx?.signedIn &&
    html`<form class="signout" method="post" action="${base}/logout"><input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit" class="secondary">Sign out</button></form>`;
  return html`<header class="site-header"><a class="brand" href="${base}/">${PRODUCT}</a>${caller}${signOut}</header>`;
}

function footer(version: string, ctx: PageContext | undefined): SafeHtml {
  const asOf = ctx && html` · Data as of ${absoluteTimeTag(ctx.now)}`;
  return html`<footer><p>espocrm-admin-mcp${version && html` ${version}`}${asOf}</p></footer>`;
}

function documentHtml(shell: Shell): string {
  const notice = shell.ctx?.notice && html`<p class="notice" role="status">${shell.ctx.notice}</p>`;
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<meta name="robots" content="noindex, nofollow">
<title>${shell.title} — ${PRODUCT}</title>
<link rel="stylesheet" href="${shell.base}/assets/dashboard.css">
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
${header(shell.base, shell.ctx)}
<main id="main">
${notice}${shell.main}
</main>
${footer(shell.version, shell.ctx)}
</body>
</html>
`;
  return page.value;
}

// ---------------------------------------------------------------------------------------------------
// States as text, symbol and class

const HEALTH_SYMBOL: Record<string, string> = { ok: '●', degraded: '▲', unreachable: '✕', unknown: '?' };

/** A health state: symbol (hidden from screen readers) and word, e.g. "▲ degraded", class `health health-degraded`. */
export function healthLabel(state: HealthState | string): SafeHtml {
  return html`<span class="health health-${classToken(state)}"><span aria-hidden="true">${HEALTH_SYMBOL[state] ?? '?'}</span> ${state}</span>`;
}

const STEP_TEXT: Record<string, [string, string]> = {
  ok: ['✓', 'ok'],
  failed: ['✕', 'failed'],
  not_configured: ['–', 'not configured'],
  skipped: ['○', 'skipped'],
  unknown: ['?', 'unknown'],
};

/** A check step's status, e.g. "✕ failed" (the message as a tooltip when `withTitle`). */
export function stepLabel(step: StepState, withTitle = true): SafeHtml {
  const [symbol, text] = STEP_TEXT[step.status] ?? ['?', String(step.status)];
  return html`<span class="step step-${classToken(step.status)}"${attr('title', withTitle ? step.message : undefined)}><span aria-hidden="true">${symbol}</span> ${text}</span>`;
}

const plural = (count: number, one: string, many: string) => `${formatCount(count)} ${count === 1 ? one : many}`;

/** A drift comparison in a few words: "✓ in sync", "≠ 3 differences", "✕ unreachable", "– skipped", "not compared". */
function driftLabel(drift: DriftSummary | undefined): SafeHtml {
  if (!drift) return html`<span class="drift drift-none"><span aria-hidden="true">?</span> not compared</span>`;
  switch (drift.status) {
    case 'in_sync':
      return html`<span class="drift drift-in_sync"><span aria-hidden="true">✓</span> in sync</span>`;
    case 'drifted':
      return html`<span class="drift drift-drifted"><span aria-hidden="true">≠</span> ${plural(drift.differences.length, 'difference', 'differences')}</span>`;
    case 'unreachable':
      return html`<span class="drift drift-unreachable"${attr('title', drift.reason)}><span aria-hidden="true">✕</span> unreachable</span>`;
    case 'skipped':
      return html`<span class="drift drift-skipped"${attr('title', drift.reason)}><span aria-hidden="true">–</span> skipped</span>`;
    default:
      return html`<span class="drift drift-${classToken(drift.status)}">${String(drift.status)}</span>`;
  }
}

const notRead = html`<span class="muted">not read</span>`;

// ---------------------------------------------------------------------------------------------------
// Fleet page

interface Column {
  label: string;
  key?: FleetSortKey;
  num?: boolean;
}

const FLEET_COLUMNS: readonly Column[] = [
  { label: 'Tenant', key: 'name' },
  { label: 'Version', key: 'version' },
  { label: 'Health', key: 'health' },
  { label: 'Latency', key: 'latency' },
  { label: 'API key' },
  { label: 'Admin login' },
  { label: 'Active users', key: 'users', num: true },
  { label: 'Leads this month', key: 'leads', num: true },
  { label: 'Drift', key: 'drift' },
  { label: 'Last change', key: 'changed' },
];

const SORT_NAMES: Record<FleetSortKey, string> = {
  name: 'Tenant',
  health: 'Health',
  version: 'Version',
  latency: 'Latency',
  users: 'Active users',
  leads: 'Leads this month',
  drift: 'Drift',
  changed: 'Last change',
  checked: 'Last check',
};

/** The fleet page's query as URL parameters (empty ones left out), with some replaced. */
function fleetParams(query: FleetQuery, over: Partial<Record<keyof FleetQuery, string>> = {}): Record<string, string | undefined> {
  // No page unless asked: a link that sorts, filters or compares another blueprint starts at page 1.
  return { q: query.q, health: query.health, drift: query.drift, blueprint: query.blueprint, sort: query.sort, dir: query.dir, page: undefined, ...over };
}

/** The fleet page's URL for a query: "{base}/?q=...&sort=...". */
export function fleetUrl(base: string, query: FleetQuery, over: Partial<Record<keyof FleetQuery, string>> = {}): string {
  return href(`${base}/`, fleetParams(query, over));
}

/** A tenant page's URL: "{base}/tenants/{id}?blueprint=...". */
export function tenantUrl(base: string, tenant: string, blueprint?: string): string {
  return href(`${base}/tenants/${encodeComponent(tenant)}`, { blueprint });
}

function sortHeader(column: Column, query: FleetQuery, base: string): SafeHtml {
  const cls = column.num ? 'num' : undefined;
  if (!column.key) return html`<th scope="col"${attr('class', cls)}>${column.label}</th>`;
  const current = query.sort === column.key;
  const next = current && query.dir === 'asc' ? 'desc' : 'asc';
  const ariaSort = current ? (query.dir === 'desc' ? 'descending' : 'ascending') : undefined;
  const arrow = current && html`<span aria-hidden="true"> ${query.dir === 'desc' ? '↓' : '↑'}</span>`;
  const url = fleetUrl(base, query, { sort: column.key, dir: next });
  return html`<th scope="col"${attr('class', cls)}${attr('aria-sort', ariaSort)}><a href="${url}">${column.label}${arrow}<span class="visually-hidden"> (sort ${next === 'asc' ? 'ascending' : 'descending'})</span></a></th>`;
}

function option(value: string, label: string, selected: string): SafeHtml {
  return html`<option value="${value}"${attr('selected', value === selected)}>${label}</option>`;
}

/** The blueprint names offered, with the current one kept even when it is not in the list. */
function blueprintOptions(names: readonly string[], current: string): SafeHtml {
  const all = names.includes(current) || current === '' ? [...names] : [current, ...names];
  if (all.length === 0) return option('', '(none)', current);
  return join(all.map((name) => option(name, name, current)));
}

function filterForm(view: FleetView, base: string): SafeHtml {
  const q = view.query;
  const health = [option('', 'All', q.health), ...(['ok', 'degraded', 'unreachable', 'unknown'] as const).map((s) => option(s, s, q.health))];
  const drift = [option('', 'All', q.drift), option('drifted', 'drifted', q.drift), option('in_sync', 'in sync', q.drift), option('unknown', 'unknown', q.drift)];
  return html`<form class="filters" method="get" action="${base}/" role="search" aria-label="Filter tenants">
<div class="field"><label for="f-q">Filter by name or id</label><input type="text" id="f-q" name="q" value="${q.q}"></div>
<div class="field"><label for="f-health">Health</label><select id="f-health" name="health">${health}</select></div>
<div class="field"><label for="f-drift">Drift</label><select id="f-drift" name="drift">${drift}</select></div>
<div class="field"><label for="f-blueprint">Blueprint compared</label><select id="f-blueprint" name="blueprint">${blueprintOptions(view.blueprints, q.blueprint)}</select></div>
<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="dir" value="${q.dir}">
<button type="submit">Apply</button>
</form>`;
}

function checkForm(ctx: PageContext, fields: Record<string, string>, label: string): SafeHtml {
  const hidden = Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form class="inline check" method="post" action="${ctx.base}/check"><input type="hidden" name="csrf" value="${ctx.csrf}">${hidden}<button type="submit">${label}</button></form>`;
}

function summary(view: FleetView, base: string): SafeHtml {
  const states: HealthState[] = ['ok', 'degraded', 'unreachable', 'unknown'];
  const items = states.map(
    (state) => html`<li><a href="${fleetUrl(base, view.query, { health: state })}">${healthLabel(state)}<span class="visually-hidden">:</span> ${formatCount(view.counts[state] ?? 0)}</a></li>`,
  );
  return html`<section aria-labelledby="summary-title"><h2 id="summary-title" class="visually-hidden">Summary</h2>
<p>${plural(view.total, 'tenant', 'tenants')} visible to you; ${formatCount(view.matching)} match${view.matching === 1 ? 'es' : ''} the filter${view.pages > 1 ? html`, ${formatCount(view.rows.length)} on this page` : ''}.</p>
<ul class="summary" aria-label="Tenants per health state">${items}</ul></section>`;
}

function problemsDetails(problems: readonly string[]): SafeHtml | undefined {
  if (problems.length === 0) return undefined;
  return html`<details class="problems"><summary>${plural(problems.length, 'problem', 'problems')}</summary><ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></details>`;
}

function usageCount(row: FleetRow, value: number | null | undefined): SafeHtml {
  if (!row.usage) return notRead;
  if (value === null || value === undefined) return html`<span class="muted"${attr('title', row.usage.problems.join('\n') || undefined)}>n/a</span>`;
  return html`${formatCount(value)}`;
}

function fleetRow(row: FleetRow, view: FleetView, ctx: PageContext): SafeHtml {
  const blueprint = view.query.blueprint || undefined;
  const tenant = html`<th scope="row"><a href="${tenantUrl(ctx.base, row.tenant, blueprint)}">${row.name}</a>${row.readOnly && html` <span class="badge">read-only</span>`}<small class="tenant-id">${row.tenant}</small></th>`;
  const checked = row.checkedAt ? html`<br><small>checked ${timeTag(row.checkedAt, ctx.now)}</small>` : html`<br><small>never checked</small>`;
  const health = html`<td>${healthLabel(row.health)}${checked}${problemsDetails(row.problems)}</td>`;
  const latency = html`<td>${sparkline(row.latency)}</td>`;
  const driftBlueprint = row.drift?.blueprint ?? view.query.blueprint;
  const drift = html`<td>${driftLabel(row.drift)}${driftBlueprint && html`<br><small>vs ${driftBlueprint}</small>`}</td>`;
  const changed = html`<td>${row.lastChangeAt ? timeTag(row.lastChangeAt, ctx.now) : html`<span class="muted">none</span>`}</td>`;
  return html`<tr data-tenant="${row.tenant}">${tenant}<td>${row.version ?? html`<span class="muted">unknown</span>`}</td>${health}${latency}<td>${stepLabel(row.apiKey)}</td><td>${stepLabel(row.admin)}</td><td class="num">${usageCount(row, row.usage?.activeUsers)}</td><td class="num">${usageCount(row, row.usage?.leadsThisMonth)}</td>${drift}${changed}</tr>`;
}

/** Previous / next pages of the fleet, when the filter's rows fill more than one. */
function pagination(view: FleetView, base: string): SafeHtml | undefined {
  if (view.pages <= 1) return undefined;
  const page = view.query.page;
  const first = (page - 1) * view.pageSize + 1;
  const last = Math.min(page * view.pageSize, view.matching);
  const prev = page > 1 ? html`<a rel="prev" href="${fleetUrl(base, view.query, { page: String(page - 1) })}">Previous page</a>` : undefined;
  const next = page < view.pages ? html`<a rel="next" href="${fleetUrl(base, view.query, { page: String(page + 1) })}">Next page</a>` : undefined;
  return html`<nav class="pagination" aria-label="Pages of the fleet"><p>Page ${formatCount(page)} of ${formatCount(view.pages)} (tenants ${formatCount(first)}–${formatCount(last)} of ${formatCount(view.matching)})</p>${prev}${prev && next && html` · `}${next}</nav>`;
}

/** The fleet page: summary, filters, "Check all now", and one row per tenant. */
export function renderFleetPage(view: FleetView, ctx: PageContext): string {
  const base = ctx.base;
  const q = view.query;
  const back = fleetUrl(base, q);
  const rows =
    view.rows.length > 0
      ? view.rows.map((row) => fleetRow(row, view, ctx))
      : html`<tr><td colspan="${FLEET_COLUMNS.length}" class="empty">${view.total === 0 ? 'No tenant to show: none is configured for you' : 'No tenant matches the filter'}</td></tr>`;
  const sortedBy = `sorted by ${SORT_NAMES[q.sort] ?? q.sort}, ${q.dir === 'desc' ? 'descending' : 'ascending'}`;
  const main = html`<h1>Fleet</h1>
${summary(view, base)}
${filterForm(view, base)}
<div class="actions">${checkForm(ctx, { blueprint: q.blueprint, back }, 'Check all now')}</div>
<div class="table-wrap" tabindex="0" role="region" aria-label="Tenants table (scrolls sideways)">
<table class="fleet">
<caption>Tenants: ${formatCount(view.rows.length)} shown of ${formatCount(view.total)}${view.pages > 1 ? html` (page ${formatCount(q.page)} of ${formatCount(view.pages)})` : ''}, ${sortedBy}${q.blueprint && html`; drift against ${q.blueprint}`}</caption>
<thead><tr>${FLEET_COLUMNS.map((c) => sortHeader(c, q, base))}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
${pagination(view, base)}
<p class="muted">Each latency chart sums its checks up in words; the checks as a table are on the tenant page.</p>`;
  return documentHtml({ title: 'Fleet', base, version: ctx.version, ctx, main });
}

// ---------------------------------------------------------------------------------------------------
// Tenant page

function section(id: string, title: SafeHtml | string, body: SafeHtml): SafeHtml {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>
${body}
</section>`;
}

function tableWrap(label: string, table: SafeHtml): SafeHtml {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${label}">${table}</div>`;
}

function problemList(problems: readonly string[], title: string): SafeHtml | undefined {
  if (problems.length === 0) return undefined;
  return html`<h3>${title}</h3><ul class="problems">${problems.map((p) => html`<li>${p}</li>`)}</ul>`;
}

function healthSection(view: TenantView, ctx: PageContext): SafeHtml {
  const row = view.row;
  const last = row.checkedAt ? html`Last check ${timeTag(row.checkedAt, ctx.now)}: ${healthLabel(row.health)}` : html`Never checked: ${healthLabel(row.health)}`;
  const steps: Array<[string, StepState]> = [
    ['Reachable', view.steps.reachable],
    ['Site URL', view.steps.siteUrl],
    ['API key', view.steps.apiKey],
    ['Admin login', view.steps.admin],
  ];
  const stepRows = steps.map(([name, step]) => html`<tr><th scope="row">${name}</th><td>${stepLabel(step, false)}</td><td>${step.message ?? html`<span class="muted">—</span>`}</td></tr>`);
  const stepTable = tableWrap(
    'Steps of the last check',
    html`<table class="steps"><caption>Steps of the last check</caption><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Message</th></tr></thead><tbody>${stepRows}</tbody></table>`,
  );
  const history =
    view.history.length === 0
      ? html`<p class="muted">No health check recorded yet.</p>`
      : html`<figure class="chart-figure">${latencyChart(view.history)}<figcaption>Latency of the last ${plural(view.history.length, 'check', 'checks')} (● ok, ▲ degraded, ✕ unreachable)</figcaption></figure>
<details><summary>Checks as a table</summary>${tableWrap('Checks', latencyTable(view.history, { caption: `Health checks of ${row.name}, newest first` }))}</details>`;
  return section('health-title', 'Health', html`<p>${last}</p>
${stepTable}
${problemList(row.problems, 'Problems')}
${history}`);
}

function usageSection(view: TenantView, ctx: PageContext): SafeHtml {
  const usage = view.row.usage;
  if (!usage) return section('usage-title', 'Usage', html`<p class="muted">Not read yet — use Check now.</p>`);
  const byType = Object.entries(usage.usersByType);
  const types = byType.length > 0 && html` <span class="muted">(${join(byType.map(([type, count]) => html`${type}: ${formatCount(count)}`), ', ')})</span>`;
  const records = Object.entries(usage.records);
  const recordTable =
    records.length > 0
      ? tableWrap(
          'Records per entity',
          html`<table class="records"><caption>Records per entity</caption><thead><tr><th scope="col">Entity</th><th scope="col" class="num">Records</th></tr></thead><tbody>${records.map(([entity, count]) => html`<tr><th scope="row">${entity}</th><td class="num">${formatCount(count)}</td></tr>`)}</tbody></table>`,
        )
      : undefined;
  const months =
    usage.leadsPerMonth.length > 0
      ? html`<figure class="chart-figure">${monthBars(usage.leadsPerMonth, { idPrefix: 'leads' })}<figcaption>Leads created per month (UTC; hatched “n/a”: the count failed)</figcaption></figure>
<details><summary>Leads per month as a table</summary>${tableWrap('Leads per month', monthTable(usage.leadsPerMonth, { caption: 'Leads created per month, oldest first' }))}</details>`
      : undefined;
  return section('usage-title', 'Usage', html`<p>Read ${timeTag(usage.at, ctx.now)}.</p>
<dl class="facts"><dt>Active users</dt><dd>${formatCount(usage.activeUsers)}${types}</dd><dt>Leads this month</dt><dd>${formatCount(usage.leadsThisMonth)}</dd></dl>
${recordTable}
${months}
${problemList(usage.problems, 'Counts not read')}`);
}

function driftSection(view: TenantView, ctx: PageContext, tenantPath: string): SafeHtml {
  const drift = view.row.drift;
  const selector = html`<form class="inline" method="get" action="${tenantPath}"><label for="t-blueprint">Blueprint</label> <select id="t-blueprint" name="blueprint">${blueprintOptions(view.blueprints, view.blueprint)}</select> <button type="submit" class="secondary">Show</button></form>`;
  let body: SafeHtml;
  if (!drift) body = html`<p class="muted">Not compared yet — use Check now.</p>`;
  else {
    const differences =
      drift.differences.length > 0 &&
      tableWrap(
        'Differences',
        html`<table class="differences"><caption>Differences from ${drift.blueprint}</caption><thead><tr><th scope="col">Kind</th><th scope="col">Entity</th><th scope="col">Field</th><th scope="col">Layout</th><th scope="col">Summary</th></tr></thead><tbody>${drift.differences.map(
          (d) => html`<tr><td><code>${d.kind}</code></td><td>${d.entity ?? ''}</td><td>${d.field ?? ''}</td><td>${d.layout ?? ''}</td><td>${d.summary}</td></tr>`,
        )}</tbody></table>`,
      );
    body = html`<p>${driftLabel(drift)} — compared with ${drift.blueprint} ${timeTag(drift.at, ctx.now)}.</p>
${drift.reason && html`<p>${drift.reason}</p>`}
${differences}`;
  }
  return section('drift-title', html`Drift against ${view.blueprint || 'no blueprint'}`, html`${selector}
${body}`);
}

function undoCell(change: TenantView['changes'][number]): SafeHtml {
  const parts: SafeHtml[] = [];
  if (change.undoCall) parts.push(html`<div class="undo"><span class="undo-label">undo_change call</span><code>undo_change ${change.undoCall}</code></div>`);
  if (change.undoneBy) parts.push(html`<div>undone by <code>${change.undoneBy}</code></div>`);
  if (change.otherInstance) parts.push(html`<div class="muted">recorded on another instance</div>`);
  return parts.length > 0 ? join(parts) : html`<span class="muted">—</span>`;
}

function changesSection(view: TenantView, ctx: PageContext): SafeHtml {
  if (view.changes.length === 0) return section('changes-title', 'Recent changes', html`<p class="muted">No change recorded.</p>`);
  const rows = view.changes.map(
    (c) =>
      html`<tr><td>${timeTag(c.ts, ctx.now)}${c.changeId && html`<br><small><code>${c.changeId}</code></small>`}</td><td>${c.principal}</td><td><code>${c.tool}</code></td><td><span class="outcome outcome-${classToken(c.outcome)}">${c.outcome}</span></td><td>${c.summary}${c.error && html`<div class="error"><strong>Error:</strong> ${c.error}</div>`}</td><td>${undoCell(c)}</td></tr>`,
  );
  return section(
    'changes-title',
    'Recent changes',
    tableWrap(
      'Recent changes',
      html`<table class="changes"><caption>Recent changes, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Tool</th><th scope="col">Result</th><th scope="col">What</th><th scope="col">Undo</th></tr></thead><tbody>${rows}</tbody></table>`,
    ),
  );
}

function duplicatesSection(view: TenantView, ctx: PageContext): SafeHtml {
  const d = view.duplicates;
  if (!d) return section('duplicates-title', 'Last duplicate scan', html`<p class="muted">No duplicate scan kept.</p>`);
  const expired = Date.parse(d.expiresAt) <= Date.parse(ctx.now);
  return section('duplicates-title', 'Last duplicate scan', html`<dl class="facts">
<dt>Result</dt><dd><code>${d.id}</code></dd>
<dt>Scanned</dt><dd>${timeTag(d.scannedAt, ctx.now)}${d.principal && html` by ${d.principal}`}</dd>
<dt>${expired ? 'Pages expired' : 'Pages expire'}</dt><dd>${timeTag(d.expiresAt, ctx.now)}</dd>
<dt>Entities</dt><dd>${d.entities.length > 0 ? d.entities.join(', ') : html`<span class="muted">none</span>`}</dd>
<dt>Records scanned</dt><dd>${formatCount(d.recordsScanned)}</dd>
<dt>Clusters</dt><dd>${formatCount(d.clusters)}</dd>
<dt>Records in clusters</dt><dd>${formatCount(d.records)}</dd>
</dl>`);
}

/** A tenant's page: facts, "Check now", health, usage, drift, recent changes, last duplicate scan. */
export function renderTenantPage(view: TenantView, ctx: PageContext): string {
  const base = ctx.base;
  const row = view.row;
  const tenantPath = `${base}/tenants/${encodeComponent(row.tenant)}`;
  const self = tenantUrl(base, row.tenant, view.blueprint || undefined);
  const link = safeUrl(view.url);
  const url = link ? html`<a href="${link}" rel="noreferrer noopener">${view.url}</a>` : html`${view.url}`;
  const facts = html`<dl class="facts">
<dt>URL</dt><dd>${url}</dd>
<dt>Version</dt><dd>${row.version ?? html`<span class="muted">unknown</span>`}</dd>
<dt>Read-only</dt><dd>${row.readOnly ? 'yes: changes are refused' : 'no'}</dd>
<dt>Description</dt><dd>${view.description || html`<span class="muted">none</span>`}</dd>
<dt>Health</dt><dd>${healthLabel(row.health)}</dd>
<dt>Last change</dt><dd>${row.lastChangeAt ? timeTag(row.lastChangeAt, ctx.now) : html`<span class="muted">none</span>`}</dd>
</dl>`;
  const main = html`<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="${href(`${base}/`, { blueprint: view.blueprint })}">Fleet</a></li><li aria-current="page">${row.name}</li></ol></nav>
<h1>${row.name} <span class="tenant-id-inline">(${row.tenant})</span></h1>
${facts}
<div class="actions">${checkForm(ctx, { tenant: row.tenant, blueprint: view.blueprint, back: self }, 'Check now')}</div>
${healthSection(view, ctx)}
${usageSection(view, ctx)}
${driftSection(view, ctx, tenantPath)}
${changesSection(view, ctx)}
${duplicatesSection(view, ctx)}`;
  return documentHtml({ title: `${row.name} (${row.tenant})`, base, version: ctx.version, ctx, main });
}

// ---------------------------------------------------------------------------------------------------
// Sign-in and error pages

/** The sign-in page: paste the bearer token; `error` shown as an alert. */
export function renderSignIn(opts: { base: string; version: string; error?: string; csrf: string }): string {
  const main = html`<h1>Sign in</h1>
${opts.error && html`<p class="alert" role="alert">${opts.error}</p>`}
<p>Paste the bearer token this server gave you (the one your MCP client uses). It is checked and then kept only as a session cookie.</p>
<form class="signin" method="post" action="${opts.base}/login">
<input type="hidden" name="csrf" value="${opts.csrf}">
<p><label for="token">Bearer token</label><br><input type="password" name="token" id="token" autocomplete="off" required></p>
<button type="submit">Sign in</button>
</form>`;
  return documentHtml({ title: 'Sign in', base: opts.base, version: opts.version, main });
}

/** An error page: status, title, message, and a way back to the fleet. */
export function renderErrorPage(status: number, title: string, message: string, ctx?: PageContext, base?: string): string {
  const root = ctx?.base ?? base ?? '';
  const main = html`<h1>${title}</h1>
<p>${message}</p>
<p class="muted">HTTP status ${String(status)}</p>
<p><a href="${root}/">Back to the fleet</a></p>`;
  return documentHtml({ title: `${String(status)} ${title}`, base: root, version: ctx?.version ?? '', ctx, main });
}

