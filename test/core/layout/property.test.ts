/**
 * Property: random sequences of valid operations (each generated from the current state, so it is
 * valid) keep every layout valid, never change what they were given, and the before-states kept for
 * undo give back the original byte for byte.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyLayoutOps,
  diffLayouts,
  layoutJson,
  parseLayout,
  renderLayout,
  validateLayout,
  type LayoutContext,
  type LayoutOperation,
  type ParsedLayout,
} from '../../../src/core/layout/index.js';
import { entityContext, entityLayouts, leadContext, leadLayout } from '../../fixtures/layouts/load.js';

interface Scenario {
  label: string;
  name: string;
  /** A fresh copy of the layout JSON each time. */
  layout: () => unknown;
  ctx: LayoutContext;
  /** Fields (or links) that may be added to this layout. */
  candidates: string[];
}

const lead = leadContext();
const contact = entityContext('Contact');
const account = entityContext('Account');

const LEAD_DETAIL = ['cTier', 'cTags', 'cNote', 'cScore', 'doNotCall', 'industry', 'source', 'title', 'website', 'addressCity', 'salutationName', 'opportunityAmount', 'campaign', 'teams'];
const LEAD_LIST = ['cTier', 'cNote', 'cScore', 'status', 'source', 'industry', 'title', 'website', 'addressCity', 'accountName', 'phoneNumber', 'campaign', 'createdAt', 'modifiedAt'];

function leadScenario(name: Parameters<typeof leadLayout>[0], candidates: string[]): Scenario {
  const text = JSON.stringify(leadLayout(name));
  return { label: `Lead ${name}`, name, layout: () => JSON.parse(text) as unknown, ctx: lead, candidates };
}

function fixtureScenario(entity: 'Contact' | 'Account', name: string, candidates: string[]): Scenario {
  const text = JSON.stringify(entityLayouts(entity)[name]);
  return { label: `${entity} ${name}`, name, layout: () => JSON.parse(text) as unknown, ctx: entity === 'Contact' ? contact : account, candidates };
}

const SCENARIOS: Scenario[] = [
  leadScenario('detail', LEAD_DETAIL),
  leadScenario('detailSmall', LEAD_DETAIL),
  leadScenario('list', LEAD_LIST),
  leadScenario('listSmall', LEAD_LIST),
  leadScenario('kanban', LEAD_LIST),
  leadScenario('filters', ['cTier', 'cTags', 'cNote', 'cScore', 'title', 'website', 'doNotCall', 'description']),
  leadScenario('massUpdate', ['cTier', 'cTags', 'cNote', 'cScore', 'source', 'industry', 'doNotCall', 'campaign', 'title']),
  leadScenario('defaultSidePanel', ['cTier', 'cNote', 'campaign', 'source', 'industry']),
  fixtureScenario('Contact', 'detail', ['assignedUser', 'teams', 'firstName', 'lastName', 'addressCity', 'addressCountry', 'originalLead']),
  fixtureScenario('Contact', 'detailSmall', ['description', 'address', 'doNotCall', 'assignedUser']),
  fixtureScenario('Contact', 'list', ['title', 'assignedUser', 'createdAt', 'addressCity', 'doNotCall']),
  fixtureScenario('Contact', 'listForAccount', ['title', 'assignedUser', 'createdAt', 'phoneNumber']),
  fixtureScenario('Contact', 'filters', ['title', 'doNotCall', 'addressCity', 'campaign']),
  fixtureScenario('Contact', 'massUpdate', ['campaign', 'addressCity', 'description']),
  fixtureScenario('Contact', 'defaultSidePanel', ['campaign', 'title']),
  fixtureScenario('Contact', 'relationships', ['documents', 'meetings', 'calls', 'tasks']),
  fixtureScenario('Account', 'detail', ['teams', 'billingAddressCity', 'shippingAddressCity']),
  fixtureScenario('Account', 'list', ['industry', 'website', 'phoneNumber', 'emailAddress', 'assignedUser']),
  fixtureScenario('Account', 'kanban', ['industry', 'website', 'assignedUser']),
  fixtureScenario('Account', 'filters', ['website', 'campaign', 'createdAt', 'teams']),
  fixtureScenario('Account', 'massUpdate', ['campaign', 'website', 'sicCode']),
];

/** Random choices for one operation: picks are taken modulo the options available. */
type Choice = number[];

function pick<T>(items: readonly T[], n: number | undefined): T | undefined {
  return items.length ? items[(n ?? 0) % items.length] : undefined;
}

function namesIn(layout: ParsedLayout): string[] {
  switch (layout.kind) {
    case 'panels':
      return layout.panels.flatMap((p) => p.rows.flatMap((r) => r.flatMap((c) => (c ? [c.name] : []))));
    case 'columns':
      return layout.columns.map((c) => c.name);
    case 'fieldList':
      return layout.fields;
    case 'cells':
      return layout.cells.map((c) => (typeof c === 'string' ? c : c.name));
    case 'linkList':
      return layout.links.map((c) => (typeof c === 'string' ? c : c.name));
    default:
      return [];
  }
}

let panelCounter = 0;

/** A valid operation for the current state, or null when the chosen kind of operation has none. */
function generate(scenario: Scenario, current: unknown, choice: Choice): LayoutOperation | null {
  const layout = parseLayout(scenario.name, current);
  const present = namesIn(layout);
  const free = scenario.candidates.filter((c) => !present.includes(c));
  const [kindPick = 0, a = 0, b = 0, c = 0, d = 0] = choice;
  const other = (field: string): string[] => present.filter((n) => n !== field);

  if (layout.kind === 'panels') {
    const panels = layout.panels;
    const labels = panels.map((p) => (typeof p.customLabel === 'string' && p.customLabel ? p.customLabel : typeof p.label === 'string' ? p.label : ''));
    const unique = (i: number): boolean => labels[i] !== '' && labels.filter((l) => l.toLowerCase() === labels[i]?.toLowerCase()).length === 1;
    const ref = (i: number, n: number): string | number => (n % 2 === 0 && unique(i) ? (labels[i] as string).toUpperCase() : i);
    const fieldsOfPanel = (i: number): string[] => namesIn({ ...layout, panels: [panels[i] as (typeof panels)[number]] });
    switch (kindPick % 7) {
      case 0: {
        const field = pick(free, a);
        if (!field) return null;
        const mode = b % 5;
        if (mode === 0) return { op: 'add_field', field };
        if (mode === 1) return { op: 'add_field', field, panel: ref(c % panels.length, d) };
        if (mode === 2) return { op: 'add_field', field, after: pick(present, c) as string };
        if (mode === 3) return { op: 'add_field', field, before: pick(present, c) as string };
        return { op: 'add_field', field, fullWidth: true, panel: c % panels.length };
      }
      case 1: {
        if (present.length < 2) return null;
        return { op: 'remove_field', field: pick(present, a) as string };
      }
      case 2: {
        const field = pick(present, a) as string;
        const fullWidth = [undefined, true, false][d % 3];
        const mode = b % 4;
        const anchor = pick(other(field), c);
        if (mode === 0 || !anchor) return { op: 'move_field', field, panel: c % panels.length, ...(fullWidth === undefined ? {} : { fullWidth }) };
        if (mode === 1) return { op: 'move_field', field, after: anchor };
        if (mode === 2) return { op: 'move_field', field, before: anchor };
        return { op: 'move_field', field, fullWidth: fullWidth ?? true };
      }
      case 3: {
        const fields = free.filter((_, i) => (b >> i) & 1).slice(0, 3);
        const label = `Panel ${++panelCounter}`;
        const place = c % 3 === 0 ? {} : c % 3 === 1 ? { after: a % panels.length } : { before: a % panels.length };
        return { op: 'add_panel', label, ...place, ...(fields.length ? { fields } : {}), ...(d % 2 ? { style: 'info', tabBreak: true } : {}) };
      }
      case 4:
        return { op: 'rename_panel', panel: ref(a % panels.length, b), label: `Renamed ${++panelCounter}` };
      case 5: {
        if (panels.length < 2) return null;
        const p = a % panels.length;
        const q = pick(panels.map((_, i) => i).filter((i) => i !== p), b) as number;
        const mode = c % 3;
        if (mode === 0) return { op: 'move_panel', panel: p, index: d % panels.length };
        return mode === 1 ? { op: 'move_panel', panel: ref(p, d), after: q } : { op: 'move_panel', panel: p, before: ref(q, d) };
      }
      default: {
        if (panels.length < 2) return null;
        const p = a % panels.length;
        const fields = fieldsOfPanel(p);
        const q = pick(panels.map((_, i) => i).filter((i) => i !== p), b) as number;
        if (fields.length === 0) return { op: 'remove_panel', panel: p };
        const othersHaveFields = present.length > fields.length;
        if (c % 2 === 0 && othersHaveFields) return { op: 'remove_panel', panel: p, moveFieldsTo: 'remove' };
        return { op: 'remove_panel', panel: p, moveFieldsTo: q };
      }
    }
  }

  const isColumns = layout.kind === 'columns';
  const minimum = isColumns ? 1 : 0;
  switch (kindPick % (isColumns ? 5 : 3)) {
    case 0: {
      const field = pick(free, a);
      if (!field) return null;
      const anchor = pick(present, c);
      const place = !anchor || b % 3 === 0 ? {} : b % 3 === 1 ? { after: anchor } : { before: anchor };
      const width = isColumns && d % 3 === 1 ? { width: d % 30 } : isColumns && d % 3 === 2 ? { widthPx: (d * 7) % 721 } : {};
      return { op: 'add_field', field, ...place, ...width };
    }
    case 1:
      if (present.length <= minimum) return null;
      return { op: 'remove_field', field: pick(present, a) as string };
    case 2: {
      const field = pick(present, a) as string | undefined;
      const anchor = field ? pick(other(field), b) : undefined;
      if (!field || !anchor) return null;
      return c % 2 ? { op: 'move_field', field, after: anchor } : { op: 'move_field', field, before: anchor };
    }
    case 3: {
      const field = pick(present, a) as string;
      const mode = b % 3;
      return mode === 0 ? { op: 'set_width', field, width: c % 101 } : mode === 1 ? { op: 'set_width', field, widthPx: c % 721 } : { op: 'set_width', field };
    }
    default: {
      const kept = present.filter((_, i) => ((a >> i) & 1) === 0);
      const extra = pick(free, b);
      const names = [...(kept.length ? kept : present.slice(0, 1)), ...(extra && c % 2 ? [extra] : [])];
      const rotated = names.map((_, i) => names[(i + d) % names.length] as string);
      return { op: 'set_columns', columns: rotated.map((name, i) => (i === 0 ? { name, link: true } : { name })) };
    }
  }
}

const errorsOf = (name: string, json: unknown, ctx: LayoutContext): unknown[] => validateLayout(name, json, ctx).filter((i) => i.severity === 'error');

describe('layout operations, property', () => {
  it('every scenario starts valid and parses to itself', () => {
    for (const s of SCENARIOS) {
      expect(errorsOf(s.name, s.layout(), s.ctx), s.label).toEqual([]);
      expect(JSON.stringify(layoutJson(parseLayout(s.name, s.layout()))), s.label).toBe(JSON.stringify(s.layout()));
    }
  });

  it('random valid sequences keep layouts valid, never mutate their input, and undo restores the original bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SCENARIOS),
        fc.array(fc.array(fc.nat({ max: 1000 }), { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 14 }),
        (scenario, choices) => {
          const { name, ctx } = scenario;
          const input = scenario.layout();
          const originalText = JSON.stringify(input);
          const undoStack: Array<{ state: unknown; text: string }> = [];
          const applied: LayoutOperation[] = [];
          let current: unknown = input;

          for (const choice of choices) {
            const op = generate(scenario, current, choice);
            if (!op) continue;
            undoStack.push({ state: current, text: JSON.stringify(current) });
            const result = applyLayoutOps(name, current, [op], ctx);
            expect(result.issues.filter((i) => i.severity === 'error'), `${scenario.label}: ${JSON.stringify(op)}`).toEqual([]);
            expect(result.changes).toHaveLength(1);
            applied.push(op);
            current = result.layout;
            // The new state is itself readable and renders.
            expect(JSON.stringify(layoutJson(parseLayout(name, current)))).toBe(JSON.stringify(current));
            expect(renderLayout(name, current)).not.toContain('malformed');
          }

          // The same operations in one request give the same layout.
          if (applied.length) expect(applyLayoutOps(name, input, applied, ctx).layout).toEqual(current);
          // Undo in reverse: each recorded before-state is still exactly what it was.
          while (undoStack.length) {
            const step = undoStack.pop() as { state: unknown; text: string };
            expect(JSON.stringify(step.state)).toBe(step.text);
            current = JSON.parse(step.text) as unknown;
          }
          expect(JSON.stringify(current)).toBe(originalText);
          expect(JSON.stringify(input)).toBe(originalText);
          expect(JSON.stringify(layoutJson(parseLayout(name, JSON.parse(originalText))))).toBe(originalText);
          // A diff from a state to itself is empty.
          expect(diffLayouts(name, input, JSON.parse(originalText)).summary).toEqual([]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('diffs report a change exactly when the layout changed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCENARIOS), fc.array(fc.nat({ max: 1000 }), { minLength: 5, maxLength: 5 }), (scenario, choice) => {
        const input = scenario.layout();
        const op = generate(scenario, input, choice);
        if (!op) return;
        const after = applyLayoutOps(scenario.name, input, [op], scenario.ctx).layout;
        const diff = diffLayouts(scenario.name, input, after);
        const changed = JSON.stringify(input) !== JSON.stringify(after);
        expect(diff.summary.length > 0).toBe(changed);
        expect(diff.text === '(no change)').toBe(!changed);
      }),
      { numRuns: 300 },
    );
  });
});
