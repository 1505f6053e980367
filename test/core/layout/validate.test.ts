import { describe, expect, it } from 'vitest';
import {
  KNOWN_LAYOUT_NAMES,
  LayoutValidationError,
  assertValidLayout,
  hasErrors,
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

/**
 * Each check, exactly (issue 17, mutation testing): the boundaries (width 0 and 100, widthPx 0 and 720,
 * negatives), what a valid attribute looks like (booleans, "left"), null read as absent, the type of
 * each text attribute and flag, and the path and message of every issue.
 */
describe('every check, exactly', () => {
  const cols = (...extra: Record<string, unknown>[]): unknown[] => [{ name: 'name', link: true }, ...extra];
  const issue = (path: string, message: string, severity: 'error' | 'warning' = 'error'): LayoutIssue => ({ path, message, severity });
  /** Messages without the marks around CRM values (a panel's label), which only say how to render them (src/core/fence.ts). */
  const unmarked = (issues: LayoutIssue[]): LayoutIssue[] => issues.map((i) => ({ ...i, message: i.message.replace(/[\uE000\uE001]/g, '') }));

  it('column widths: 0 to 100 percent, as a number (a numeric text warns), anything else refused', () => {
    for (const width of [0, 0.5, 99.5, null]) expect(validateLayout('list', cols({ name: 'status', width }), lead), String(width)).toEqual([]);
    expect(validateLayout('list', [{ name: 'name', link: true, width: 0 }, { name: 'status', width: 100 }], lead)).toEqual([]);
    for (const width of [-1, -0.01, 100.01, true, '', ' ', 'wide', [], {}]) {
      expect(validateLayout('list', cols({ name: 'status', width }), lead), String(width)).toEqual([
        issue('columns[1].width', `width ${JSON.stringify(width)} is not a percentage between 0 and 100`),
      ]);
    }
    expect(validateLayout('list', cols({ name: 'status', width: ' 40 ' }), lead)).toEqual([issue('columns[1].width', 'width is the text " 40 "; write the number 40', 'warning')]);
  });

  it('column widthPx: 0 to 720 pixels, a number only', () => {
    for (const widthPx of [0, 1, 720, null]) expect(validateLayout('list', cols({ name: 'status', widthPx }), lead), String(widthPx)).toEqual([]);
    for (const widthPx of [-1, -0.5, 721, '100', 'abc', true]) {
      expect(validateLayout('list', cols({ name: 'status', widthPx }), lead), String(widthPx)).toEqual([
        issue('columns[1].widthPx', `widthPx ${JSON.stringify(widthPx)} is not a number of pixels between 0 and 720`),
      ]);
    }
    // null is no width: not "both".
    expect(validateLayout('list', cols({ name: 'status', width: 10, widthPx: null }), lead)).toEqual([]);
    expect(validateLayout('list', cols({ name: 'status', width: null, widthPx: 100 }), lead)).toEqual([]);
    expect(validateLayout('list', cols({ name: 'status', width: 10, widthPx: 100 }), lead)).toEqual([issue('columns[1]', 'column "status" has both width and widthPx; keep one of them')]);
  });

  it('reads a non-finite number as JSON does (null, so no value): what is checked is what would be saved', () => {
    for (const n of [NaN, Infinity, -Infinity]) {
      expect(validateLayout('list', cols({ name: 'status', width: n }), lead), String(n)).toEqual([]);
      expect(validateLayout('list', cols({ name: 'status', widthPx: n }), lead), String(n)).toEqual([]);
      expect(validateLayout('bottomPanelsDetail', { targetLists: { index: n } }, lead), String(n)).toEqual([]);
    }
  });

  it('column align: "left" or "right", or none', () => {
    for (const align of ['left', 'right', null, undefined]) expect(validateLayout('list', cols({ name: 'status', align }), lead), String(align)).toEqual([]);
    for (const align of ['center', '', 'Left', 1]) {
      expect(validateLayout('list', cols({ name: 'status', align }), lead), String(align)).toEqual([issue('columns[1].align', `align ${JSON.stringify(align)} must be "left" or "right"`)]);
    }
  });

  it('column text attributes must be text', () => {
    expect(validateLayout('list', cols({ name: 'status', label: 'State', customLabel: null, view: 'views/fields/enum' }), lead)).toEqual([]);
    expect(validateLayout('list', cols({ name: 'status', customLabel: 42, label: true, view: {} }), lead)).toEqual([
      issue('columns[1].customLabel', 'expected text, found number'),
      issue('columns[1].label', 'expected text, found boolean'),
      issue('columns[1].view', 'expected text, found object'),
    ]);
  });

  it('column widths summing past 100 warn; exactly 100 with every column sized is fine', () => {
    expect(validateLayout('list', [{ name: 'name', link: true, width: 50 }, { name: 'status', width: 50 }], lead)).toEqual([]);
    expect(validateLayout('list', [{ name: 'name', link: true, width: 60 }, { name: 'status', width: 50.555 }], lead)).toEqual([
      issue('columns', 'column widths add up to 110.56%, more than 100%; the list will be squeezed — reduce some widths', 'warning'),
    ]);
    expect(validateLayout('list', cols({ name: 'status', width: 60 }, { name: 'source', width: 50 }), lead)).toEqual([
      issue('columns', 'column widths add up to 110%, more than 100%; the list will be squeezed — reduce some widths', 'warning'),
    ]);
    expect(validateLayout('list', cols({ name: 'status', width: 60 }, { name: 'source', width: 40 }), lead)).toEqual([
      issue('columns', 'column widths already add up to 100%, leaving no room for the 1 column(s) without a width', 'warning'),
    ]);
  });

  it('an empty list is refused once, with no other warning; a list without a link warns', () => {
    expect(validateLayout('list', [], lead)).toEqual([issue('columns', 'the list has no columns; EspoCRM refuses an empty list layout (cantBeEmpty)')]);
    expect(validateLayout('list', [{ name: 'name' }], lead)).toEqual([issue('columns', 'no column links to the record (link: true); usually the name column does', 'warning')]);
  });

  it('a name that is not a field is softened to a warning only by a non-empty view', () => {
    expect(validateLayout('list', cols({ name: 'personStringData', view: 'views/email/fields/person-string-data' }), lead)).toEqual([
      issue('columns[1]', '"personStringData" is not a field of Lead; remove it, or create the field first', 'warning'),
    ]);
    for (const view of ['', 42]) {
      const issues = validateLayout('list', cols({ name: 'personStringData', view }), lead);
      expect(issues[0], String(view)).toEqual(issue('columns[1]', '"personStringData" is not a field of Lead; remove it, or create the field first'));
    }
  });

  it('panel flags: true and false are clean, anything else warns with how EspoCRM reads it', () => {
    for (const value of [true, false, null]) {
      expect(validateLayout('detail', [panel([[{ name: 'name' }]], { tabBreak: value, hidden: value })], lead), String(value)).toEqual([]);
    }
    expect(validateLayout('detail', [panel([[{ name: 'name' }]], { tabBreak: 'yes', hidden: 0 })], lead)).toEqual([
      issue('panels[0].tabBreak', 'expected true or false, found "yes"; EspoCRM reads it as true', 'warning'),
      issue('panels[0].hidden', 'expected true or false, found 0; EspoCRM reads it as false', 'warning'),
    ]);
  });

  it('panel text attributes must be text; styles must be known', () => {
    const texts = { label: 'Main', customLabel: 'Main', tabLabel: 'Tab', name: 'main', noteText: 'Note', style: 'info', noteStyle: 'success' };
    expect(validateLayout('detail', [panel([[{ name: 'name' }]], texts)], lead)).toEqual([]);
    expect(validateLayout('detail', [panel([[{ name: 'name' }]], { label: null, style: null, noteStyle: null })], lead)).toEqual([]);
    expect(validateLayout('detail', [panel([[{ name: 'name' }]], { label: 42, customLabel: true, tabLabel: [], name: 1, noteText: {}, style: 'loud', noteStyle: 'default' })], lead)).toEqual([
      issue('panels[0].style', 'style "loud" is not one of default, success, danger, warning, info, primary'),
      issue('panels[0].noteStyle', 'style "default" is not one of info, success, danger, warning, primary'),
      issue('panels[0].label', 'expected text, found number'),
      issue('panels[0].customLabel', 'expected text, found boolean'),
      issue('panels[0].tabLabel', 'expected text, found object'),
      issue('panels[0].name', 'expected text, found number'),
      issue('panels[0].noteText', 'expected text, found object'),
    ]);
  });

  it('panels: each warning and error with its path and message', () => {
    expect(validateLayout('detail', [], lead)).toEqual([issue('panels', 'the layout has no panels; EspoCRM needs at least one panel with one field')]);
    expect(unmarked(validateLayout('detail', [panel([[{ name: 'name' }, null], []]), panel([[false]], { label: ' overview ' })], lead))).toEqual([
      issue('panels[0].rows[0][1]', 'an empty cell is null; EspoCRM writes false for empty cells', 'warning'),
      issue('panels[0].rows[1]', 'the row has no cells; remove it', 'warning'),
      issue('panels[1]', 'panels 0 and 1 are both called " overview "; operations must refer to them by index', 'warning'),
      issue('panels[1]', 'panel " overview " has no fields; add fields or remove the panel', 'warning'),
    ]);
    expect(unmarked(validateLayout('detail', [panel([[false, false]])], lead))).toEqual([
      issue('panels[0]', 'panel "Overview" has no fields; add fields or remove the panel', 'warning'),
      issue('panels', 'the layout has no field at all; EspoCRM refuses an empty layout (cantBeEmpty) — add at least one field'),
    ]);
    expect(validateLayout('detail', [panel([[{ name: 'name' }, { name: 'createdAt' }]])], lead)).toEqual([
      issue('panels[0].rows[0][1]', `"createdAt" is already shown in the record's side panel; here it appears a second time`, 'warning'),
    ]);
  });

  it('panels without a label are not duplicates of each other; labels that differ as text are not either', () => {
    expect(validateLayout('detail', [{ rows: [[{ name: 'name' }]] }, { rows: [[{ name: 'status' }]] }], lead)).toEqual([]);
    expect(validateLayout('detail', [panel([[{ name: 'name' }]], { label: 'Maße' }), panel([[{ name: 'status' }]], { label: 'MASSE' })], lead)).toEqual([]);
  });

  it('names every incompatible field in one error', () => {
    const ctx: LayoutContext = { ...lead, fields: { ...lead.fields, name: { ...lead.fields.name, detailLayoutIncompatibleFieldList: ['status', 'source', 'website'] } } };
    expect(validateLayout('detail', [panel([[{ name: 'name' }, { name: 'status' }], [{ name: 'source' }]])], ctx)).toEqual([
      issue('panels', '"name" cannot be in the same layout as "status", "source"; remove one of them'),
    ]);
  });

  it('side and bottom panel entries: index a number, flags true or false, tabLabel text', () => {
    const clean = { index: 2, style: 'info', disabled: false, sticked: true, hidden: false, tabBreak: true, tabLabel: 'More' };
    expect(validateLayout('bottomPanelsDetail', { targetLists: clean }, lead)).toEqual([]);
    expect(validateLayout('bottomPanelsDetail', { targetLists: { index: null, style: null, tabLabel: null } }, lead)).toEqual([]);
    expect(validateLayout('bottomPanelsDetail', { targetLists: { index: 1, disabled: 'no', sticked: 1, hidden: 'x', tabBreak: [], tabLabel: 5 } }, lead)).toEqual([
      issue('panels.targetLists.disabled', 'expected true or false, found "no"; EspoCRM reads it as true', 'warning'),
      issue('panels.targetLists.sticked', 'expected true or false, found 1; EspoCRM reads it as true', 'warning'),
      issue('panels.targetLists.hidden', 'expected true or false, found "x"; EspoCRM reads it as true', 'warning'),
      issue('panels.targetLists.tabBreak', 'expected true or false, found []; EspoCRM reads it as true', 'warning'),
      issue('panels.targetLists.tabLabel', 'expected text, found number'),
    ]);
    expect(validateLayout('bottomPanelsDetail', { targetLists: { index: 'five' } }, lead)).toEqual([issue('panels.targetLists.index', `index "five" must be a number (the panel's position)`)]);
  });

  it('side panel cells and relationship links: duplicates named as such, text attributes checked', () => {
    expect(validateLayout('defaultSidePanel', ['teams', 'teams'], lead)).toEqual([issue('cells[1]', 'field "teams" appears twice (also at cells[0]); remove one of them')]);
    expect(validateLayout('defaultSidePanel', [{ name: 'teams', customLabel: 'Crew', view: 'views/x' }], lead)).toEqual([]);
    expect(validateLayout('defaultSidePanel', [{ name: 'teams', customLabel: 5, view: false }], lead)).toEqual([
      issue('cells[0].customLabel', 'expected text, found number'),
      issue('cells[0].view', 'expected text, found boolean'),
    ]);
    const contact = entityContext('Contact');
    expect(validateLayout('relationships', ['cases', { name: 'cases' }], contact)).toEqual([issue('links[1]', 'link "cases" appears twice (also at links[0]); remove one of them')]);
  });

  it('an unknown layout name lists the names EspoCRM uses', () => {
    expect(validateLayout('mcpCustomLayout', [{ name: 'name' }], lead)).toEqual([
      issue(
        'layout',
        `"mcpCustomLayout" is not a layout name EspoCRM uses, so it cannot be checked or saved; layout names: ${KNOWN_LAYOUT_NAMES.join(', ')} (and names starting with list, detail, sidePanels or bottomPanels)`,
      ),
    ]);
  });

  it('one error among warnings is enough to refuse a save', () => {
    const mixed = [{ name: 'name' }, { name: 'nope' }];
    expect(validateLayout('list', mixed, lead).map((i) => i.severity).sort()).toEqual(['error', 'warning']);
    expect(hasErrors(validateLayout('list', mixed, lead))).toBe(true);
    expect(hasErrors([issue('x', 'w', 'warning')])).toBe(false);
    expect(hasErrors([])).toBe(false);
    expect(() => assertValidLayout('list', mixed, lead)).toThrow(LayoutValidationError);
  });
});
