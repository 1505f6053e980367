import { describe, expect, it } from 'vitest';
import { fenceMarked, plainMarked } from '../../../src/core/fence.js';
import { applyLayoutOps, diffLayouts as rawDiffLayouts, renderLayout as rawRenderLayout, type LayoutDiff } from '../../../src/core/layout/index.js';
import { entityContext, entityLayouts, leadContext, leadLayout } from '../../fixtures/layouts/load.js';

const lead = leadContext();

/*
 * Panel labels in rendered layouts and diffs are CRM values, marked (src/core/fence.ts) so a model
 * reads them fenced. The texts expected here are the plain rendering that logs and the CLI show.
 */
const renderLayout = (name: string, layout: unknown): string => plainMarked(rawRenderLayout(name, layout));
const diffLayouts = (name: string, before: unknown, after: unknown): LayoutDiff => {
  const d = rawDiffLayouts(name, before, after);
  return { ...d, summary: d.summary.map(plainMarked), text: plainMarked(d.text) };
};

describe('renderLayout', () => {
  it('renders panels and rows, with empty and full-width cells', () => {
    expect(renderLayout('detail', leadLayout('detail'))).toBe(
      [
        'Panel 0 "Overview" (default)',
        '  | name | accountName |',
        '  | emailAddress | phoneNumber |',
        '  | title | website |',
        '  | address | (empty) |',
        'Panel 1 "Details" (default)',
        '  | status | source |',
        '  | opportunityAmount | campaign |',
        '  | industry | (empty) |',
        '  | description (full width) |',
      ].join('\n'),
    );
  });

  it('names unlabelled panels by index and shows panel and cell attributes', () => {
    expect(renderLayout('detailSmall', leadLayout('detailSmall')).split('\n')[0]).toBe('Panel 0 #0 (no label) (default)');
    const contact = renderLayout('detail', entityLayouts('Contact').detail).split('\n');
    expect(contact[5]).toBe('Panel 1 "Profile" (info, tab break "More", conditional)');
    expect(contact[6]).toBe('  | title | campaign | salutationName (label "Greeting") |');
    expect(contact[7]).toBe('  | portalUser (no label) | (empty) | (empty) |');
  });

  it('renders columns with widths and flags ("true" strings count as true)', () => {
    expect(renderLayout('list', leadLayout('list'))).toBe(
      ['Columns (5):', '  name (link)', '  status 15%', '  emailAddress 20% (not sortable)', '  assignedUser 18%', '  createdAt 13%'].join('\n'),
    );
    expect(renderLayout('list', entityLayouts('Contact').list).split('\n').slice(3)).toEqual([
      '  emailAddress 220px (not sortable)',
      '  phoneNumber 18% (not sortable, align right, view views/fields/phone)',
    ]);
  });

  it('renders field lists, side panel, relationships and panel maps', () => {
    expect(renderLayout('massUpdate', leadLayout('massUpdate'))).toBe('Mass update fields (3):\n  status\n  assignedUser\n  teams');
    expect(renderLayout('defaultSidePanel', leadLayout('defaultSidePanel'))).toBe('Side panel fields (3):\n  :assignedUser\n  teams\n  convertedAt');
    expect(renderLayout('relationships', ['opportunities', { name: 'cases', customLabel: 'Tickets' }])).toBe(
      'Relationship panels (2):\n  opportunities\n  cases (label "Tickets")',
    );
    expect(renderLayout('bottomPanelsDetail', entityLayouts('Contact').bottomPanelsDetail)).toBe(
      'Panels (3):\n  opportunities: index 5\n  _tabBreak_0: index 6, tab break "Activities"\n  activities: disabled',
    );
    expect(renderLayout('sidePanelsDetail', leadLayout('sidePanelsDetail'))).toBe("Panels: none customised (EspoCRM's defaults apply)");
  });

  it('shows a malformed layout with its problem instead of failing', () => {
    expect(renderLayout('list', 'not a layout')).toBe(
      'Layout "list" is malformed: columns: expected an array for list columns, found the string "not a layout"; replace the layout or reset it\n"not a layout"',
    );
  });
});

describe('diffLayouts', () => {
  it('says nothing changed for equal layouts (key order aside)', () => {
    expect(diffLayouts('list', [{ name: 'name', link: true }], [{ link: true, name: 'name' }])).toEqual({ summary: [], text: '(no change)' });
  });

  it('summarises and shows a field added to a panel and a column', () => {
    const detail = applyLayoutOps('detail', leadLayout('detail'), [{ op: 'add_field', field: 'cTier' }], lead).layout;
    const d = diffLayouts('detail', leadLayout('detail'), detail);
    expect(d.summary).toEqual(['added "cTier" to panel "Overview"']);
    expect(d.text.split('\n').filter((l) => !l.startsWith('  '))).toEqual(['-   | address | (empty) |', '+   | address | cTier |']);

    const list = applyLayoutOps('list', leadLayout('list'), [{ op: 'add_field', field: 'cTier', after: 'status', width: 12 }], lead).layout;
    const l = diffLayouts('list', leadLayout('list'), list);
    expect(l.summary).toEqual(['added column "cTier" after "status"']);
    expect(l.text).toBe(
      ['- Columns (5):', '+ Columns (6):', '    name (link)', '    status 15%', '+   cTier 12%', '    emailAddress 20% (not sortable)', '    assignedUser 18%', '    createdAt 13%'].join('\n'),
    );
  });

  it('shows a field moved to another panel under both panels', () => {
    const after = applyLayoutOps('detail', leadLayout('detail'), [{ op: 'add_panel', label: 'Notes', fields: ['cNote'] }, { op: 'move_field', field: 'description', panel: 'Notes' }], lead).layout;
    const d = diffLayouts('detail', leadLayout('detail'), after);
    expect(d.summary).toEqual(['added panel "Notes" at position 2', 'added "cNote" to panel "Notes"', 'moved "description" from panel "Details" to panel "Notes"']);
    expect(d.text.split('\n').slice(-5)).toEqual([
      '    | industry | (empty) |',
      '-   | description (full width) |',
      '+ Panel 2 "Notes" (default)',
      '+   | cNote | (empty) |',
      '+   | description (full width) |',
    ]);
  });

  it('reports renamed, restyled, reordered and removed panels', () => {
    const base = entityLayouts('Account').detail;
    const after = applyLayoutOps(
      'detail',
      base,
      [
        { op: 'rename_panel', panel: 'Details', label: 'Company' },
        { op: 'move_panel', panel: 'Marketing', index: 0 },
        { op: 'remove_panel', panel: 'Overview', moveFieldsTo: 'Company' },
      ],
      entityContext('Account'),
    ).layout;
    const d = diffLayouts('detail', base, after);
    expect(d.summary).toContain('renamed panel "Details" to "Company"');
    expect(d.summary).toContain('moved "name" from panel "Overview" to panel "Company"');
    expect(d.summary).toContain('removed panel "Overview"');
    expect(d.text).toContain('- Panel 0 "Overview" (default)');
    expect(d.text).toContain('+ Panel 1 "Company" (success)');
  });

  it('reports column attribute changes, moves and removals', () => {
    const after = applyLayoutOps(
      'list',
      leadLayout('list'),
      [{ op: 'set_width', field: 'status', width: 20 }, { op: 'move_field', field: 'createdAt', after: 'name' }, { op: 'remove_field', field: 'assignedUser' }],
      lead,
    ).layout;
    expect(diffLayouts('list', leadLayout('list'), after).summary).toEqual([
      'removed column "assignedUser"',
      'moved column "createdAt" to position 2',
      'changed column "status": status 15% → status 20%',
    ]);
  });

  it('diffs field lists and malformed layouts', () => {
    expect(diffLayouts('filters', ['a', 'b'], ['b', 'a', 'c']).summary).toEqual(['added field "c" after "a"', 'moved field "a" to position 2']);
    const repaired = diffLayouts('list', 'not a layout', [{ name: 'name', link: true }]);
    expect(repaired.summary).toEqual(['the list layout changed']);
    expect(repaired.text).toContain('+ Columns (1):');
  });
});

describe('CRM values in rendered layouts', () => {
  it('marks panel labels, so a model reads them fenced', () => {
    const raw = rawRenderLayout('detail', leadLayout('detail'));
    expect(raw.split('\n')[0]).toBe('Panel 0 "\uE000Overview\uE001" (default)');
    expect(fenceMarked(raw).split('\n')[0]).toMatch(/^Panel 0 "<(untrusted-data-[0-9a-f]{16})>Overview<\/\1>" \(default\)$/);
    const after = applyLayoutOps('detail', leadLayout('detail'), [{ op: 'rename_panel', panel: 'Details', label: 'More' }], lead).layout;
    const d = rawDiffLayouts('detail', leadLayout('detail'), after);
    expect(d.summary[0]).toContain('renamed panel "\uE000Details\uE001" to ');
    expect(d.text).toContain('- Panel 1 "\uE000Details\uE001" (default)');
  });
});
