import { describe, expect, it } from 'vitest';
import { fenceMarked, plainMarked } from '../../../src/core/fence.js';
import {
  LayoutEditError,
  LayoutOpError,
  LayoutOperationSchema,
  applyLayoutOps,
  placeField,
  type DetailPanel,
  type LayoutContext,
  type LayoutEditResult,
  type ListColumn,
  type PlaceFieldResult,
} from '../../../src/core/layout/index.js';
import { entityContext, entityLayouts, leadContext, leadLayout, leadLayoutText } from '../../fixtures/layouts/load.js';

const lead = leadContext();
const contact = entityContext('Contact');
const account = entityContext('Account');

type LeadName = Parameters<typeof leadLayout>[0];

/*
 * CRM values inside messages (panel labels in changes, issues and errors) are marked
 * (src/core/fence.ts) so a model reads them fenced. The helpers give the messages as logs and the CLI
 * show them (`plainMarked`), which the expected texts below are; layouts are returned untouched.
 */
function plainResult(r: LayoutEditResult): LayoutEditResult {
  return { ...r, changes: r.changes.map(plainMarked), issues: r.issues.map((i) => ({ ...i, message: plainMarked(i.message) })) };
}

function apply(name: LeadName, ops: unknown[], ctx: LayoutContext = lead, layout: unknown = leadLayout(name)): LayoutEditResult {
  return plainResult(applyLayoutOps(name, layout, ops, ctx));
}

function place(...args: Parameters<typeof placeField>): PlaceFieldResult {
  const r = placeField(...args);
  return { ...r, change: plainMarked(r.change) };
}

function panels(result: LayoutEditResult): DetailPanel[] {
  return result.layout as unknown as DetailPanel[];
}

function columns(result: LayoutEditResult): ListColumn[] {
  return result.layout as unknown as ListColumn[];
}

/** The LayoutOpError `fn` throws: its index and name, its message as plain text and as raised (`raw`). */
function opError(fn: () => unknown): { opIndex: number; opName: string; message: string; raw: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof LayoutOpError) return { opIndex: err.opIndex, opName: err.opName, message: plainMarked(err.message), raw: err.message };
    throw err;
  }
  throw new Error('expected a LayoutOpError');
}

const noErrors = (r: LayoutEditResult): void => {
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
};

describe('add_field on panel layouts', () => {
  it('fills the first empty slot of the first panel\'s last row by default', () => {
    const r = apply('detail', [{ op: 'add_field', field: 'cTier' }]);
    expect(panels(r)[0]?.rows[3]).toEqual([{ name: 'address' }, { name: 'cTier' }]);
    expect(r.changes).toEqual(['added "cTier" to panel "Overview", row 4']);
    noErrors(r);
  });

  it('opens a new row when the panel\'s last row is full width (panel named case-insensitively)', () => {
    const r = apply('detail', [{ op: 'add_field', field: 'cTier', panel: 'details' }]);
    expect(panels(r)[1]?.rows.slice(-2)).toEqual([[{ name: 'description', fullWidth: true }], [{ name: 'cTier' }, false]]);
  });

  it('puts a full-width field in its own row at the end of the panel', () => {
    const r = apply('detail', [{ op: 'add_field', field: 'cNote', panel: 0, fullWidth: true }]);
    expect(panels(r)[0]?.rows.at(-1)).toEqual([{ name: 'cNote', fullWidth: true }]);
    expect(r.changes[0]).toBe('added "cNote" (full width) to panel "Overview", row 5');
  });

  it('places after a field: in the empty slot beside it, else in a new row below', () => {
    const beside = apply('detail', [{ op: 'add_field', field: 'cTier', after: 'industry' }]);
    expect(panels(beside)[1]?.rows[2]).toEqual([{ name: 'industry' }, { name: 'cTier' }]);
    const below = apply('detail', [{ op: 'add_field', field: 'cTier', after: 'name' }]);
    expect(panels(below)[0]?.rows.slice(0, 2)).toEqual([[{ name: 'name' }, { name: 'accountName' }], [{ name: 'cTier' }, false]]);
  });

  it('places before a field in a new row above when its row is full', () => {
    const r = apply('detail', [{ op: 'add_field', field: 'cTier', before: 'title' }]);
    expect(panels(r)[0]?.rows.slice(2, 4)).toEqual([[{ name: 'cTier' }, false], [{ name: 'title' }, { name: 'website' }]]);
  });

  it('shifts cells within a row that has an empty slot elsewhere', () => {
    const r = apply('detail', [{ op: 'add_field', field: 'cTier', before: 'address' }]);
    expect(panels(r)[0]?.rows[3]).toEqual([{ name: 'cTier' }, { name: 'address' }]);
  });

  it('uses the width of the panel for new rows (3-column Contact panel) and keeps unknown keys', () => {
    const layout = entityLayouts('Contact').detail;
    const r = applyLayoutOps('detail', layout, [{ op: 'add_field', field: 'accountRole', panel: 'profile' }], {
      ...contact,
      fields: { ...contact.fields, accountRole: { type: 'varchar' } },
    });
    const profile = panels(r)[1] as DetailPanel;
    expect(profile.rows[1]).toEqual([{ name: 'portalUser', noLabel: true, inlineEditDisabled: true }, { name: 'accountRole' }, false]);
    expect(profile.dynamicLogicVisible).toEqual({ conditionGroup: [{ type: 'isNotEmpty', attribute: 'title' }] });
    // A tab label is not a panel's name.
    const err = opError(() => applyLayoutOps('detail', layout, [{ op: 'add_field', field: 'assignedUser', panel: 'More' }], contact));
    expect(err.message).toContain('no panel is called "More"; panels: 0: "Overview", 1: "Profile"');
  });

  it('addresses a panel without a label by index (detailSmall)', () => {
    const r = apply('detailSmall', [{ op: 'add_field', field: 'cTier', panel: 0 }]);
    expect(panels(r)[0]?.rows.at(-1)).toEqual([{ name: 'cTier' }, false]);
  });

  it('refuses a field already in the layout, naming where it is', () => {
    const err = opError(() => apply('detail', [{ op: 'add_field', field: 'status' }]));
    expect(err.message).toBe('operation 0 (add_field): field "status" is already in the layout (panel "Details", row 1); use move_field to move it');
  });

  it('refuses unknown and unavailable fields, with a suggestion', () => {
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTeir' }])).message).toContain('"cTeir" is not a field of Lead (did you mean "cTier"?)');
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'targetLists' }])).message).toContain('layoutDetailDisabled');
  });

  it('refuses unknown or ambiguous panels, listing the panels', () => {
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panel: 'Qualification' }])).message).toBe(
      'operation 0 (add_field): no panel is called "Qualification"; panels: 0: "Overview", 1: "Details"',
    );
    const twice = [...(leadLayout('detail') as object[]), { customLabel: 'overview', rows: [[false, false]] }];
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panel: 'Overview' }], lead, twice)).message).toContain(
      '"Overview" matches 2 panels (0, 2); refer to the panel by its index',
    );
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panel: 5 }])).message).toContain('there is no panel 5');
  });

  it('refuses list-only options and an anchor in another panel', () => {
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', width: 10 }])).message).toContain('width apply to list layouts');
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panel: 'Overview', after: 'status' }])).message).toContain(
      '"status" is in panel "Details", not in panel "Overview"',
    );
  });
});

describe('remove_field and move_field on panel layouts', () => {
  it('leaves an empty slot, and drops a row left empty', () => {
    const r = apply('detail', [{ op: 'remove_field', field: 'accountName' }, { op: 'remove_field', field: 'description' }]);
    expect(panels(r)[0]?.rows[0]).toEqual([{ name: 'name' }, false]);
    expect(panels(r)[1]?.rows).toHaveLength(3);
    expect(r.changes).toEqual(['removed "accountName" from panel "Overview"', 'removed "description" from panel "Details"']);
  });

  it('names the fields in the layout when the field is not there', () => {
    const err = opError(() => apply('detail', [{ op: 'add_field', field: 'cTier' }, { op: 'remove_field', field: 'cTags' }]));
    expect(err.opIndex).toBe(1);
    expect(err.message).toBe(
      'operation 1 (remove_field): field "cTags" is not in the layout; fields in the layout: name, accountName, emailAddress, phoneNumber, title, website, address, cTier, status, source, opportunityAmount, campaign, industry, description',
    );
  });

  it('refuses to remove the last field', () => {
    const one = [{ label: 'Overview', rows: [[{ name: 'name' }, false]] }];
    expect(opError(() => apply('detail', [{ op: 'remove_field', field: 'name' }], lead, one)).message).toContain('EspoCRM refuses an empty layout');
  });

  it('moves a field to another panel and next to a field', () => {
    const r = apply('detail', [
      { op: 'move_field', field: 'website', panel: 'Details' },
      { op: 'move_field', field: 'accountName', after: 'status' },
    ]);
    expect(panels(r)[0]?.rows.slice(0, 3)).toEqual([[{ name: 'name' }, false], [{ name: 'emailAddress' }, { name: 'phoneNumber' }], [{ name: 'title' }, false]]);
    expect(panels(r)[1]?.rows.at(-1)).toEqual([{ name: 'website' }, false]);
    expect(panels(r)[1]?.rows.slice(0, 2)).toEqual([[{ name: 'status' }, { name: 'source' }], [{ name: 'accountName' }, false]]);
    expect(r.changes[0]).toBe('moved "website" from panel "Overview", row 3 to panel "Details", row 5');
  });

  it('swaps within a row when moving after the neighbour', () => {
    const r = apply('detail', [{ op: 'move_field', field: 'name', after: 'accountName' }]);
    expect(panels(r)[0]?.rows[0]).toEqual([{ name: 'accountName' }, { name: 'name' }]);
  });

  it('sets and clears full width in place', () => {
    const wide = apply('detail', [{ op: 'move_field', field: 'title', fullWidth: true }]);
    expect(panels(wide)[0]?.rows.slice(2, 4)).toEqual([[false, { name: 'website' }], [{ name: 'title', fullWidth: true }]]);
    const narrow = apply('detail', [{ op: 'move_field', field: 'description', fullWidth: false }]);
    expect(panels(narrow)[1]?.rows[3]).toEqual([{ name: 'description' }, false]);
    const alone = apply('detail', [{ op: 'move_field', field: 'address', fullWidth: true }]);
    expect(panels(alone)[0]?.rows[3]).toEqual([{ name: 'address', fullWidth: true }]);
    noErrors(wide);
    noErrors(narrow);
    noErrors(alone);
  });

  it('refuses to move a field next to itself or without a destination', () => {
    expect(opError(() => apply('detail', [{ op: 'move_field', field: 'name', after: 'name' }])).message).toContain('next to itself');
    expect(opError(() => apply('detail', [{ op: 'move_field', field: 'name' }])).message).toContain('say where to move the field');
  });
});

describe('panel operations', () => {
  it('adds a panel with fields, style and tab break after a named panel', () => {
    const r = apply('detail', [
      { op: 'add_panel', label: 'Qualification', style: 'info', tabBreak: true, tabLabel: 'More', after: 'Overview', fields: ['cTier', 'cTags', 'cNote'] },
    ]);
    expect(panels(r)[1]).toEqual({
      customLabel: 'Qualification',
      style: 'info',
      tabBreak: true,
      tabLabel: 'More',
      rows: [
        [{ name: 'cTier' }, { name: 'cTags' }],
        [{ name: 'cNote' }, false],
      ],
    });
    expect(r.changes[0]).toBe('added panel "Qualification" at position 1 with "cTier", "cTags", "cNote"');
    noErrors(r);
  });

  it('adds an empty panel as the layout manager does, at the end by default', () => {
    const r = apply('detail', [{ op: 'add_panel', label: 'Later' }]);
    expect(panels(r)[2]).toEqual({ customLabel: 'Later', style: 'default', rows: [[false, false]] });
    expect(r.issues).toEqual([{ path: 'panels[2]', message: 'panel "Later" has no fields; add fields or remove the panel', severity: 'warning' }]);
  });

  it('refuses a duplicate label, fields already placed, and tabLabel without tabBreak', () => {
    expect(opError(() => apply('detail', [{ op: 'add_panel', label: 'details' }])).message).toContain('panel 1 is already called "Details"');
    expect(opError(() => apply('detail', [{ op: 'add_panel', label: 'X', fields: ['status'] }])).message).toContain('then use move_field');
    expect(opError(() => apply('detail', [{ op: 'add_panel', label: 'X', tabLabel: 'T' }])).message).toContain('tabLabel needs tabBreak');
  });

  it('renames a panel to a custom label, dropping the translatable label', () => {
    const r = apply('detail', [{ op: 'rename_panel', panel: 'Overview', label: 'Summary' }]);
    expect(panels(r)[0]).toEqual({ rows: (leadLayout('detail') as DetailPanel[])[0]?.rows, customLabel: 'Summary' });
    expect(r.changes).toEqual(['renamed panel "Overview" to "Summary"']);
    expect(opError(() => apply('detail', [{ op: 'rename_panel', panel: 0, label: 'DETAILS' }])).message).toContain('already called "Details"');
  });

  it('moves panels by index, after and before', () => {
    const three = [...(leadLayout('detail') as object[]), { customLabel: 'Third', rows: [[{ name: 'cTier' }, false]] }];
    const titles = (r: LayoutEditResult): unknown[] => panels(r).map((p) => p.customLabel ?? p.label);
    expect(titles(apply('detail', [{ op: 'move_panel', panel: 'Third', index: 0 }], lead, three))).toEqual(['Third', 'Overview', 'Details']);
    expect(titles(apply('detail', [{ op: 'move_panel', panel: 'Overview', after: 'Third' }], lead, three))).toEqual(['Details', 'Third', 'Overview']);
    expect(titles(apply('detail', [{ op: 'move_panel', panel: 2, before: 1 }], lead, three))).toEqual(['Overview', 'Third', 'Details']);
    expect(opError(() => apply('detail', [{ op: 'move_panel', panel: 0, after: 'overview' }])).message).toContain('relative to itself');
    expect(opError(() => apply('detail', [{ op: 'move_panel', panel: 0, index: 2 }])).message).toContain('index 2 is out of range');
    expect(opError(() => apply('detail', [{ op: 'move_panel', panel: 0, index: 1, after: 1 }])).message).toContain('exactly one of');
  });

  it('refuses to remove a panel with fields unless told where they go', () => {
    const err = opError(() => apply('detail', [{ op: 'remove_panel', panel: 'Details' }]));
    expect(err.message).toBe(
      'operation 0 (remove_panel): panel "Details" holds "status", "source", "opportunityAmount", "campaign", "industry", "description"; say where they go with moveFieldsTo: another panel (0: "Overview") or "remove" to drop them',
    );
  });

  it('moves a removed panel\'s rows to another panel, or drops them when told to', () => {
    const moved = apply('detail', [{ op: 'remove_panel', panel: 'Details', moveFieldsTo: 'Overview' }]);
    expect(panels(moved)).toHaveLength(1);
    expect(panels(moved)[0]?.rows).toEqual([...(leadLayout('detail') as DetailPanel[])[0]!.rows, ...(leadLayout('detail') as DetailPanel[])[1]!.rows]);
    const dropped = apply('detail', [{ op: 'remove_panel', panel: 1, moveFieldsTo: 'remove' }]);
    expect(panels(dropped)).toEqual([(leadLayout('detail') as DetailPanel[])[0]]);
    expect(dropped.changes[0]).toContain('dropped its fields');
    const empty = apply('detail', [{ op: 'add_panel', label: 'Empty' }, { op: 'remove_panel', panel: 'Empty' }]);
    expect(empty.layout).toEqual(leadLayout('detail'));
  });

  it('refuses to remove the only panel or to move fields into the removed panel', () => {
    expect(opError(() => apply('detailSmall', [{ op: 'remove_panel', panel: 0, moveFieldsTo: 'remove' }])).message).toContain('the only panel');
    expect(opError(() => apply('detail', [{ op: 'remove_panel', panel: 1, moveFieldsTo: 'Details' }])).message).toContain('names the panel being removed');
  });
});

describe('list layouts', () => {
  it('adds a column at the end, after or before a column, with its options', () => {
    const r = apply('list', [
      { op: 'add_field', field: 'cTier', after: 'status', width: 12 },
      { op: 'add_field', field: 'source', before: 'name', widthPx: 120, align: 'right' },
      { op: 'add_field', field: 'cScore', notSortable: true },
    ]);
    expect(columns(r).map((c) => c.name)).toEqual(['source', 'name', 'status', 'cTier', 'emailAddress', 'assignedUser', 'createdAt', 'cScore']);
    expect(columns(r)[3]).toEqual({ name: 'cTier', width: 12 });
    expect(columns(r)[0]).toEqual({ name: 'source', widthPx: 120, align: 'right' });
    expect(columns(r)[1]).toEqual({ name: 'name', link: 'true' });
    expect(r.changes[0]).toBe('added column "cTier" to list after "status"');
    noErrors(r);
  });

  it('produces exactly the list EspoCRM stored in the recorded update', () => {
    const r = apply('list', [{ op: 'add_field', field: 'cMcpTier', after: 'status', width: 12 }], {
      ...lead,
      fields: { ...lead.fields, cMcpTier: { type: 'enum' } },
    });
    expect(JSON.stringify(r.layout)).toBe(
      '[{"name":"name","link":"true"},{"name":"status","width":15},{"name":"cMcpTier","width":12},{"name":"emailAddress","notSortable":true,"width":20},{"name":"assignedUser","width":18},{"name":"createdAt","width":13}]',
    );
  });

  it('refuses detail-only options, duplicates and fields not for lists', () => {
    expect(opError(() => apply('list', [{ op: 'add_field', field: 'cTier', panel: 0 }])).message).toContain('list has no panels');
    expect(opError(() => apply('list', [{ op: 'add_field', field: 'cTier', fullWidth: true }])).message).toContain('"fullWidth" applies to detail layouts');
    expect(opError(() => apply('list', [{ op: 'add_field', field: 'status' }])).message).toContain('column "status" is already in list (position 2)');
    expect(opError(() => apply('listSmall', [{ op: 'add_field', field: 'targetLists' }])).message).toContain('layoutListDisabled');
  });

  it('removes and moves columns, but never the last one', () => {
    const r = apply('listSmall', [{ op: 'remove_field', field: 'status' }, { op: 'move_field', field: 'createdAt', before: 'name' }]);
    expect(columns(r).map((c) => c.name)).toEqual(['createdAt', 'name', 'emailAddress']);
    expect(opError(() => apply('kanban', [{ op: 'remove_field', field: 'name' }])).message).toContain('"name" is the only column');
    expect(opError(() => apply('list', [{ op: 'move_field', field: 'status', panel: 1 }])).message).toContain('list has no panels');
    expect(opError(() => apply('list', [{ op: 'move_field', field: 'status', fullWidth: true }])).message).toContain('"fullWidth" applies to detail');
  });

  it('sets all columns: order from the request, existing keys kept, null removes a key', () => {
    const r = apply('list', [
      {
        op: 'set_columns',
        columns: [{ name: 'name' }, { name: 'cTier', width: 10 }, { name: 'status', width: null, widthPx: 90 }, { name: 'emailAddress', notSortable: null }],
      },
    ]);
    expect(r.layout).toEqual([{ name: 'name', link: 'true' }, { name: 'cTier', width: 10 }, { name: 'status', widthPx: 90 }, { name: 'emailAddress', width: 20 }]);
    expect(r.changes[0]).toBe('set the columns of list to name, cTier, status, emailAddress; added cTier; removed assignedUser, createdAt');
    expect(opError(() => apply('list', [{ op: 'set_columns', columns: [{ name: 'name' }, { name: 'name' }] }])).message).toContain('listed twice');
    expect(opError(() => apply('list', [{ op: 'set_columns', columns: [{ name: 'nope' }] }])).message).toContain('not a field of Lead');
    expect(opError(() => apply('list', [{ op: 'set_columns', columns: [] }])).message).toContain('invalid operation');
  });

  it('sets, swaps and clears widths', () => {
    const contactList = entityLayouts('Contact').list;
    const r = applyLayoutOps('list', contactList, [{ op: 'set_width', field: 'emailAddress', width: 22 }, { op: 'set_width', field: 'account', widthPx: 200 }, { op: 'set_width', field: 'phoneNumber' }], contact);
    expect(columns(r).slice(1)).toEqual([
      { name: 'account', widthPx: 200 },
      { name: 'emailAddress', notSortable: true, width: 22 },
      { name: 'phoneNumber', notSortable: true, align: 'right', view: 'views/fields/phone' },
    ]);
    expect(r.changes).toEqual([
      'set the width of "emailAddress" in list to 22%',
      'set the width of "account" in list to 200px',
      'cleared the width of "phoneNumber" in list (it takes the space left)',
    ]);
    expect(opError(() => apply('list', [{ op: 'set_width', field: 'status', width: 120 }])).message).toContain('width');
    expect(opError(() => apply('detail', [{ op: 'set_width', field: 'status', width: 12 }])).message).toContain('set_width does not apply to detail');
  });

  it('edits kanban columns with their own keys', () => {
    const r = applyLayoutOps('kanban', entityLayouts('Account').kanban, [{ op: 'set_columns', columns: [{ name: 'type', isMuted: null, isLarge: true }, { name: 'name' }] }], account);
    expect(r.layout).toEqual([{ name: 'type', isLarge: true }, { name: 'name', link: true, isLarge: true }]);
  });
});

describe('field lists, side panel and relationships', () => {
  it('edits filters and massUpdate as lists of names', () => {
    const f = apply('filters', [{ op: 'add_field', field: 'cTier', after: 'status' }, { op: 'move_field', field: 'teams', before: 'assignedUser' }]);
    const fields = f.layout as string[];
    expect(fields.slice(0, 2)).toEqual(['teams', 'assignedUser']);
    expect(fields[fields.indexOf('status') + 1]).toBe('cTier');
    const m = apply('massUpdate', ['status', 'assignedUser', 'teams'].map((field) => ({ op: 'remove_field', field })));
    expect(m.layout).toEqual([]);
    noErrors(m);
  });

  it('refuses massUpdate fields that cannot be mass-updated, and list options', () => {
    expect(opError(() => apply('massUpdate', [{ op: 'add_field', field: 'cLocked' }])).message).toContain('is read-only; remove it from massUpdate');
    expect(opError(() => apply('massUpdate', [{ op: 'add_field', field: 'cCallLength' }])).message).toContain('duration');
    expect(opError(() => apply('filters', [{ op: 'add_field', field: 'cTier', width: 10 }])).message).toContain('width apply to list columns');
  });

  it('adds side-panel cells as {name} objects, special items included', () => {
    const r = apply('defaultSidePanel', [{ op: 'add_field', field: 'cTier', after: ':assignedUser' }]);
    expect(r.layout).toEqual([{ name: ':assignedUser' }, { name: 'cTier' }, { name: 'teams' }, { name: 'convertedAt' }]);
    const plain = applyLayoutOps('defaultSidePanel', [], [{ op: 'add_field', field: ':assignedUser' }], lead);
    expect(plain.layout).toEqual([{ name: ':assignedUser' }]);
    expect(opError(() => apply('defaultSidePanel', [{ op: 'add_field', field: ':nobody' }])).message).toContain('"nobody" is not a field of Lead');
  });

  it('adds relationship panels in the form the layout uses, checking the links', () => {
    const layout = entityLayouts('Contact').relationships;
    const r = applyLayoutOps('relationships', layout, [{ op: 'add_field', field: 'documents', before: 'cases' }], contact);
    expect(r.layout).toEqual(['opportunities', 'documents', 'cases']);
    expect(opError(() => applyLayoutOps('relationships', layout, [{ op: 'add_field', field: 'account' }], contact)).message).toContain('belongsTo');
  });

  it('edits side and bottom panel maps only by replacing them', () => {
    const err = opError(() => apply('bottomPanelsDetail', [{ op: 'add_field', field: 'cTier' }]));
    expect(err.message).toContain('add_field does not apply to bottomPanelsDetail');
    expect(err.message).toContain('operations for it: replace');
    const r = apply('bottomPanelsDetail', [{ op: 'replace', layout: { targetLists: { index: 5, sticked: true } } }]);
    expect(r.layout).toEqual({ targetLists: { index: 5, sticked: true } });
  });
});

describe('replace, atomicity and errors', () => {
  it('validates a replacement and names its errors', () => {
    const err = opError(() => apply('list', [{ op: 'remove_field', field: 'status' }, { op: 'replace', layout: [{ name: 'name', width: 150 }] }]));
    expect(err.opIndex).toBe(1);
    expect(err.message).toBe('operation 1 (replace): the new layout is not valid: columns[0].width: width 150 is not a percentage between 0 and 100');
  });

  it('can repair a malformed layout only with a leading replace', () => {
    const fixed = apply('list', [{ op: 'replace', layout: [{ name: 'name', link: true }] }, { op: 'add_field', field: 'status' }], lead, 'not a layout');
    expect(fixed.layout).toEqual([{ name: 'name', link: true }, { name: 'status' }]);
    expect(fixed.changes).toEqual(['replaced the whole list layout', 'added column "status" to list at the end']);
    expect(opError(() => apply('list', [{ op: 'add_field', field: 'status' }], lead, null)).message).toContain('the current list layout is malformed');
  });

  it('applies nothing when a later operation fails, and never changes its input', () => {
    const input = leadLayout('detail');
    const ops = [{ op: 'add_field', field: 'cTier' }, { op: 'rename_panel', panel: 'Details', label: 'More' }, { op: 'move_field', field: 'cTags', panel: 0 }];
    const err = opError(() => applyLayoutOps('detail', input, ops, lead));
    expect(err.opIndex).toBe(2);
    expect(err.opName).toBe('move_field');
    expect(err.message).toMatch(/^operation 2 \(move_field\): field "cTags" is not in the layout; fields in the layout: name, accountName, /);
    expect(JSON.stringify(input)).toBe(leadLayoutText('detail'));
    applyLayoutOps('detail', input, ops.slice(0, 2), lead);
    expect(JSON.stringify(input)).toBe(leadLayoutText('detail'));
  });

  it('reports malformed operations by index, unknown keys included', () => {
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier' }, { op: 'explode' }])).message).toMatch(/^operation 1 \(explode\): invalid operation/);
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panle: 'Overview' }])).message).toContain('panle');
    expect(opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', after: 'name', before: 'status' }])).message).toContain(
      'give "after" or "before", not both',
    );
  });

  it('returns the issues of the result, including ones that were already there', () => {
    const stored = [...(leadLayout('list') as object[]), { name: 'noSuchFieldXyz' }];
    const kept = apply('list', [{ op: 'set_width', field: 'status', width: 16 }], lead, stored);
    expect(kept.issues.map((i) => `${i.severity} ${i.path}`)).toEqual(['error columns[5]']);
    const fixed = apply('list', [{ op: 'remove_field', field: 'noSuchFieldXyz' }], lead, stored);
    expect(fixed.issues).toEqual([]);
    expect(JSON.stringify(fixed.layout)).toBe(leadLayoutText('list'));
  });

  it('exposes a zod schema that parses each operation', () => {
    expect(LayoutOperationSchema.parse({ op: 'remove_panel', panel: 'Details', moveFieldsTo: 0 })).toEqual({ op: 'remove_panel', panel: 'Details', moveFieldsTo: 0 });
    expect(LayoutOperationSchema.safeParse({ op: 'set_width', field: 'status', width: 10, widthPx: 10 }).success).toBe(false);
    expect(LayoutOperationSchema.safeParse({ op: 'replace' }).success).toBe(false);
  });
});

describe('placeField', () => {
  it('adds a field once and leaves the layout unchanged when it is already there', () => {
    const first = place('detail', leadLayout('detail'), 'cTier', { panel: 'Details' }, lead);
    expect(first.changed).toBe(true);
    expect(first.change).toBe('added "cTier" to panel "Details", row 5');
    const again = place('detail', first.layout, 'cTier', { panel: 'Details' }, lead);
    expect(again.changed).toBe(false);
    expect(again.change).toBe('"cTier" is already in detail (panel "Details"); left as it was');
    expect(JSON.stringify(again.layout)).toBe(JSON.stringify(first.layout));
  });

  it('places list columns with a width, and works without metadata', () => {
    const r = placeField('list', leadLayout('list'), 'cBrandNew', { after: 'status', width: 12 });
    expect((r.layout as ListColumn[])[2]).toEqual({ name: 'cBrandNew', width: 12 });
    expect(placeField('filters', leadLayout('filters'), 'status').changed).toBe(false);
  });

  it('throws LayoutEditError when the field cannot go there', () => {
    expect(() => placeField('massUpdate', leadLayout('massUpdate'), 'cLocked', {}, lead)).toThrow(LayoutEditError);
    expect(() => placeField('massUpdate', leadLayout('massUpdate'), 'cLocked', {}, lead)).toThrow(
      'cannot place "cLocked" in massUpdate: field "cLocked" is read-only; remove it from massUpdate',
    );
    expect(() => placeField('detail', leadLayout('detail'), 'cTier', { panel: 'Nowhere' }, lead)).toThrow('no panel is called "Nowhere"');
  });
});

describe('CRM values in messages', () => {
  it('marks panel labels, so a model reads them fenced, and keeps marks out of the layout', () => {
    const r = applyLayoutOps('detail', leadLayout('detail'), [{ op: 'rename_panel', panel: 'Overview', label: 'Summary' }], lead);
    expect(r.changes[0]).toContain('renamed panel "\uE000Overview\uE001" to ');
    expect(JSON.stringify(r.layout)).not.toMatch(/[\uE000\uE001]/);
    const err = opError(() => apply('detail', [{ op: 'add_field', field: 'cTier', panel: 'Qualification' }]));
    expect(err.raw).toContain('panels: 0: "\uE000Overview\uE001", 1: "\uE000Details\uE001"');
    expect(fenceMarked(err.raw)).toMatch(/panels: 0: "<(untrusted-data-[0-9a-f]{16})>Overview<\/\1>", 1: "<\1>Details<\/\1>"$/);
  });
});
