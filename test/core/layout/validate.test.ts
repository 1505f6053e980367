import { describe, expect, it } from 'vitest';
import {
  LayoutValidationError,
  assertValidLayout,
  validateLayout,
  type LayoutContext,
  type LayoutIssue,
} from '../../../src/core/layout/index.js';
import { LEAD_LAYOUT_NAMES, entityContext, entityLayouts, leadContext, leadLayout } from '../../fixtures/layouts/load.js';

const lead = leadContext();

function errors(issues: LayoutIssue[]): LayoutIssue[] {
  return issues.filter((i) => i.severity === 'error');
}

function warnings(issues: LayoutIssue[]): LayoutIssue[] {
  return issues.filter((i) => i.severity === 'warning');
}

function only(issues: LayoutIssue[], severity: 'error' | 'warning'): LayoutIssue {
  const matching = issues.filter((i) => i.severity === severity);
  expect(matching, JSON.stringify(issues)).toHaveLength(1);
  return matching[0] as LayoutIssue;
}

const panel = (rows: unknown[][], extra: Record<string, unknown> = {}): Record<string, unknown> => ({ label: 'Overview', ...extra, rows });

describe('validateLayout on real layouts', () => {
  it.each(LEAD_LAYOUT_NAMES)('finds no error or warning in the recorded Lead %s', (name) => {
    expect(validateLayout(name, leadLayout(name), lead)).toEqual([]);
  });

  it.each(['Contact', 'Account'] as const)('finds no error in the %s fixture layouts', (entity) => {
    const ctx = entityContext(entity);
    for (const [name, json] of Object.entries(entityLayouts(entity))) {
      expect(errors(validateLayout(name, json, ctx)), name).toEqual([]);
    }
  });

  it('flags the unknown field EspoCRM accepted in the recorded PUT (unknownField exchange)', () => {
    const stored = [...(leadLayout('list') as unknown[]), { name: 'noSuchFieldXyz' }];
    const issue = only(validateLayout('list', stored, lead), 'error');
    expect(issue.path).toBe('columns[5]');
    expect(issue.message).toBe('"noSuchFieldXyz" is not a field of Lead; remove it, or create the field first');
  });

  it('rejects what EspoCRM stored as "not a layout" and as null', () => {
    expect(only(validateLayout('list', 'not a layout', lead), 'error').path).toBe('columns');
    expect(only(validateLayout('list', null, lead), 'error').message).toContain('expected an array');
  });
});

describe('fields', () => {
  it('suggests the closest field name for a typo', () => {
    const issue = only(validateLayout('detail', [panel([[{ name: 'cTeir' }, false]])], lead), 'error');
    expect(issue.path).toBe('panels[0].rows[0][0]');
    expect(issue.message).toContain('(did you mean "cTier"?)');
  });

  it('reports a field twice, pointing at both places', () => {
    const issues = validateLayout('detail', [panel([[{ name: 'name' }, false]]), panel([[{ name: 'name' }, false]], { label: 'Other' })], lead);
    const issue = only(issues, 'error');
    expect(issue.path).toBe('panels[1].rows[0][0]');
    expect(issue.message).toBe('field "name" appears twice (also at panels[0].rows[0][0]); remove one of them');
  });

  it('rejects a disabled field', () => {
    expect(only(validateLayout('filters', ['status', 'cOff'], lead), 'error').message).toBe('field "cOff" is disabled on Lead; remove it from the layout');
  });

  it('warns about fields the layout manager would not offer (layout*Disabled, availability list, utility)', () => {
    // targetLists: layoutDetailDisabled; acceptanceStatusMeetings: only in filters; acceptanceStatus: utility
    const issues = validateLayout(
      'detail',
      [panel([[{ name: 'name' }, { name: 'targetLists' }], [{ name: 'acceptanceStatusMeetings' }, { name: 'acceptanceStatus' }]])],
      lead,
    );
    expect(errors(issues)).toEqual([]);
    expect(warnings(issues).map((i) => i.path)).toEqual(['panels[0].rows[0][1]', 'panels[0].rows[1][0]', 'panels[0].rows[1][1]']);
    expect(warnings(issues)[1]?.message).toContain('only in: filters');
  });

  it('follows the layout name for availability: accountRole is fine in Contact listForAccount, not in list', () => {
    const contact = entityContext('Contact');
    const cols = [{ name: 'name', link: true }, { name: 'accountRole' }];
    expect(validateLayout('listForAccount', cols, contact)).toEqual([]);
    expect(only(validateLayout('list', cols, contact), 'warning').message).toContain('only in: listForAccount');
  });

  it('rejects fields that cannot be mass-updated (read-only, duration, layoutMassUpdateDisabled)', () => {
    const issues = validateLayout('massUpdate', ['status', 'cLocked', 'cCallLength', 'convertedAt', 'createdAccount'], lead);
    expect(errors(issues).map((i) => i.path)).toEqual(['fields[1]', 'fields[2]', 'fields[3]', 'fields[4]']);
    expect(errors(issues)[1]?.message).toBe('field "cCallLength" has type duration, which cannot be mass-updated; remove it from massUpdate');
  });

  it('warns about filters on a type EspoCRM cannot filter by', () => {
    const issue = only(validateLayout('filters', ['status', 'cCallLength'], lead), 'warning');
    expect(issue.message).toBe('field "cCallLength" has type duration, which EspoCRM cannot filter by');
    expect(validateLayout('filters', ['status', 'cCallLength'], { ...lead, fieldTypes: undefined })).toEqual([]);
  });

  it('allows special ":field" items in defaultSidePanel only when the field exists', () => {
    expect(validateLayout('defaultSidePanel', [{ name: ':assignedUser' }, 'teams'], lead)).toEqual([]);
    expect(only(validateLayout('defaultSidePanel', [{ name: ':nobody' }], lead), 'error').path).toBe('cells[0]');
    expect(only(validateLayout('defaultSidePanel', [{ name: 'createdAt' }], lead), 'warning').message).toContain('always shown in the side panel');
  });

  it('warns when a detail layout repeats a field the side panel always shows', () => {
    const issue = only(validateLayout('detail', [panel([[{ name: 'name' }, { name: 'createdAt' }]])], lead), 'warning');
    expect(issue.path).toBe('panels[0].rows[0][1]');
  });

  it('only warns about a non-field with its own view', () => {
    const cols = [{ name: 'name', link: true }, { name: 'personStringData', view: 'views/email/fields/person-string-data' }];
    expect(only(validateLayout('list', cols, lead), 'warning').path).toBe('columns[1]');
  });

  it('rejects fields the layout manager calls incompatible (Contact account + accounts)', () => {
    const contact = entityContext('Contact');
    const issue = only(validateLayout('detail', [panel([[{ name: 'accounts' }, { name: 'account' }]])], contact), 'error');
    expect(issue.message).toBe('"accounts" cannot be in the same layout as "account"; remove one of them');
  });

  it('checks relationship links against the entity links when given', () => {
    const contact = entityContext('Contact');
    expect(validateLayout('relationships', ['opportunities', '_delimiter_', { name: 'cases' }], contact)).toEqual([]);
    expect(only(validateLayout('relationships', ['opportunitys'], contact), 'error').message).toContain('(did you mean "opportunities"?)');
    expect(only(validateLayout('relationships', ['account'], contact), 'warning').message).toContain('belongsTo');
    expect(only(validateLayout('relationships', ['cases', 'cases'], contact), 'error').message).toContain('link "cases" appears twice');
  });
});

describe('panel layouts', () => {
  it('needs at least one field (cantBeEmpty) and at least one panel', () => {
    expect(only(validateLayout('detail', [panel([[false, false]])], lead), 'error').message).toContain('cantBeEmpty');
    expect(only(validateLayout('detail', [], lead), 'error').path).toBe('panels');
  });

  it('allows up to 4 cells in a row, not 5', () => {
    const four = [{ name: 'name' }, { name: 'status' }, { name: 'source' }, false];
    expect(errors(validateLayout('detail', [panel([four])], lead))).toEqual([]);
    const issue = only(validateLayout('detail', [panel([[...four, { name: 'industry' }]])], lead), 'error');
    expect(issue.path).toBe('panels[0].rows[0]');
    expect(issue.message).toContain('at most 4 per row');
  });

  it('requires a full-width cell to be alone in its row', () => {
    const shared = validateLayout('detail', [panel([[{ name: 'description', fullWidth: true }, { name: 'name' }]])], lead);
    expect(only(shared, 'error').message).toContain('must be alone in its row');
    const padded = validateLayout('detail', [panel([[{ name: 'description', fullWidth: true }, false]])], lead);
    expect(only(padded, 'warning').message).toContain('1 empty slot(s)');
  });

  it('checks panel styles and text attributes', () => {
    const issues = validateLayout('detail', [panel([[{ name: 'name' }]], { style: 'purple', noteStyle: 'default', tabLabel: 3 })], lead);
    expect(errors(issues).map((i) => i.path)).toEqual(['panels[0].style', 'panels[0].noteStyle', 'panels[0].tabLabel']);
    for (const style of ['default', 'success', 'danger', 'warning', 'info', 'primary']) {
      expect(validateLayout('detail', [panel([[{ name: 'name' }]], { style })], lead)).toEqual([]);
    }
  });

  it('warns about empty rows, empty panels, null cells, non-boolean flags and duplicate labels', () => {
    const issues = validateLayout(
      'detail',
      [panel([[{ name: 'name' }, null], []], { tabBreak: 'yes' }), panel([[false, false]], { label: 'overview' })],
      lead,
    );
    expect(errors(issues)).toEqual([]);
    expect(warnings(issues).map((i) => i.path).sort()).toEqual(
      ['panels[0].rows[0][1]', 'panels[0].rows[1]', 'panels[0].tabBreak', 'panels[1]', 'panels[1]'].sort(),
    );
  });
});

describe('list layouts', () => {
  const cols = (...extra: Record<string, unknown>[]): unknown[] => [{ name: 'name', link: true }, ...extra];

  it('cannot be empty', () => {
    expect(only(validateLayout('listSmall', [], lead), 'error').message).toContain('cantBeEmpty');
  });

  it('checks width 0–100 and widthPx 0–720, and not both', () => {
    expect(errors(validateLayout('list', cols({ name: 'status', width: 100 }), lead))).toEqual([]);
    expect(only(validateLayout('list', cols({ name: 'status', width: 101 }), lead), 'error').path).toBe('columns[1].width');
    expect(only(validateLayout('list', cols({ name: 'status', width: -1 }), lead), 'error').path).toBe('columns[1].width');
    expect(only(validateLayout('list', cols({ name: 'status', width: 'wide' }), lead), 'error').path).toBe('columns[1].width');
    expect(validateLayout('list', cols({ name: 'status', widthPx: 720 }), lead)).toEqual([]);
    expect(only(validateLayout('list', cols({ name: 'status', widthPx: 721 }), lead), 'error').path).toBe('columns[1].widthPx');
    expect(only(validateLayout('list', cols({ name: 'status', width: 10, widthPx: 100 }), lead), 'error').message).toBe(
      'column "status" has both width and widthPx; keep one of them',
    );
  });

  it('accepts a numeric string width (as in core listSelect layouts) with a warning', () => {
    expect(only(validateLayout('list', cols({ name: 'status', width: '40' }), lead), 'warning').message).toContain('write the number 40');
  });

  it('warns (does not block) when widths exceed 100% or leave no room', () => {
    const over = validateLayout('list', cols({ name: 'status', width: 60 }, { name: 'source', width: 50 }), lead);
    expect(only(over, 'warning').message).toContain('add up to 110%');
    const full = validateLayout('list', cols({ name: 'status', width: 60 }, { name: 'source', width: 40 }), lead);
    expect(only(full, 'warning').message).toContain('no room for the 1 column(s) without a width');
  });

  it('checks align and duplicate columns, and warns when no column links to the record', () => {
    expect(only(validateLayout('list', cols({ name: 'status', align: 'center' }), lead), 'error').path).toBe('columns[1].align');
    expect(only(validateLayout('list', cols({ name: 'name' }), lead), 'error').message).toContain('column "name" appears twice');
    expect(only(validateLayout('list', [{ name: 'name' }], lead), 'warning').message).toContain('no column links');
  });
});

describe('other kinds', () => {
  it('filters and massUpdate may be empty but not hold duplicates', () => {
    expect(validateLayout('filters', [], lead)).toEqual([]);
    expect(only(validateLayout('massUpdate', ['status', 'status'], lead), 'error').path).toBe('fields[1]');
  });

  it('checks panel map entries', () => {
    const issues = validateLayout('bottomPanelsDetail', { targetLists: { index: 'five', style: 'loud', sticked: 1 } }, lead);
    expect(errors(issues).map((i) => i.path)).toEqual(['panels.targetLists.index', 'panels.targetLists.style']);
    expect(warnings(issues).map((i) => i.path)).toEqual(['panels.targetLists.sticked']);
  });

  it('refuses layout names EspoCRM does not use', () => {
    expect(only(validateLayout('mcpCustomLayout', [{ name: 'name' }], lead), 'error').message).toContain('not a layout name EspoCRM uses');
  });
});

describe('assertValidLayout', () => {
  it('throws LayoutValidationError listing the errors, and returns warnings otherwise', () => {
    const ctx: LayoutContext = lead;
    expect(() => assertValidLayout('filters', ['status', 'nope'], ctx)).toThrow(LayoutValidationError);
    expect(() => assertValidLayout('filters', ['status', 'nope'], ctx)).toThrow('Layout "filters" is not valid, so it was not saved: fields[1]: "nope" is not a field of Lead');
    expect(assertValidLayout('list', [{ name: 'name' }], ctx)).toHaveLength(1);
  });
});
