/**
 * The operations of `edit_layout`, as a zod schema (a discriminated union on `op`). Applied in
 * order by `applyLayoutOps`; which operations fit which layout kind is checked there.
 */

import { z } from 'zod';
import { MAX_WIDTH_PERCENT, MAX_WIDTH_PX, PANEL_STYLES } from './kinds.js';

// Descriptions are kept to the rules that prevent a wrong call: every tool definition is paid for by
// every conversation. One described instance per concept, so the JSON Schema shares it; the full
// explanations and examples are the layout-operations guide resource.
const FieldName = z.string().trim().min(1).describe('Field name as in the metadata (e.g. "cTier"), not its label.');

export const PanelRefSchema = z
  .union([z.string().trim().min(1), z.number().int().min(0)])
  .describe('A panel: its label or name (case-insensitive), or 0-based index.');

const Width = z.number().min(0).max(MAX_WIDTH_PERCENT);
const WidthPx = z.number().int().min(0).max(MAX_WIDTH_PX);
const Style = z.enum(PANEL_STYLES);

const Position = {
  after: FieldName.optional(),
  before: FieldName.optional(),
};

const AddField = z.strictObject({
  op: z.literal('add_field'),
  field: FieldName,
  panel: PanelRefSchema.optional(),
  ...Position,
  fullWidth: z.boolean().optional(),
  width: Width.optional(),
  widthPx: WidthPx.optional(),
  link: z.boolean().optional(),
  notSortable: z.boolean().optional(),
  align: z.enum(['left', 'right']).optional(),
});

const RemoveField = z.strictObject({ op: z.literal('remove_field'), field: FieldName });

const MoveField = z.strictObject({
  op: z.literal('move_field'),
  field: FieldName,
  panel: PanelRefSchema.optional(),
  ...Position,
  fullWidth: z.boolean().optional(),
});

const AddPanel = z.strictObject({
  op: z.literal('add_panel'),
  label: z.string().trim().min(1),
  style: Style.optional(),
  after: PanelRefSchema.optional(),
  before: PanelRefSchema.optional(),
  tabBreak: z.boolean().optional(),
  tabLabel: z.string().optional(),
  fields: z.array(FieldName).optional(),
});

const RenamePanel = z.strictObject({
  op: z.literal('rename_panel'),
  panel: PanelRefSchema,
  label: z.string().trim().min(1),
});

const MovePanel = z.strictObject({
  op: z.literal('move_panel'),
  panel: PanelRefSchema,
  after: PanelRefSchema.optional(),
  before: PanelRefSchema.optional(),
  index: z.number().int().min(0).optional(),
});

const RemovePanel = z.strictObject({
  op: z.literal('remove_panel'),
  panel: PanelRefSchema,
  moveFieldsTo: PanelRefSchema.optional().describe('Required if the panel has fields: another panel, or "remove" to drop them.'),
});

export const ColumnSpecSchema = z.strictObject({
  name: FieldName,
  width: Width.nullable().optional(),
  widthPx: WidthPx.nullable().optional(),
  link: z.boolean().nullable().optional(),
  notSortable: z.boolean().nullable().optional(),
  noLabel: z.boolean().nullable().optional(),
  align: z.enum(['left', 'right']).nullable().optional(),
  hidden: z.boolean().nullable().optional(),
  customLabel: z.string().nullable().optional(),
  isLarge: z.boolean().nullable().optional(),
  isMuted: z.boolean().nullable().optional(),
});

const SetColumns = z.strictObject({
  op: z.literal('set_columns'),
  columns: z.array(ColumnSpecSchema).min(1).describe('All columns in order; keys left out are kept, null removes a key.'),
});

const SetWidth = z.strictObject({
  op: z.literal('set_width'),
  field: FieldName,
  width: Width.nullable().optional(),
  widthPx: WidthPx.nullable().optional(),
});

const Replace = z.strictObject({
  op: z.literal('replace'),
  layout: z.unknown(),
});

export const LayoutOperationSchema = z
  .discriminatedUnion('op', [AddField, RemoveField, MoveField, AddPanel, RenamePanel, MovePanel, RemovePanel, SetColumns, SetWidth, Replace])
  .superRefine((op, ctx) => {
    const both = (a: unknown, b: unknown, message: string): void => {
      if (a !== undefined && b !== undefined) ctx.addIssue({ code: 'custom', message });
    };
    switch (op.op) {
      case 'add_field':
        both(op.after, op.before, 'give "after" or "before", not both');
        both(op.width, op.widthPx, 'give "width" or "widthPx", not both');
        break;
      case 'move_field':
        both(op.after, op.before, 'give "after" or "before", not both');
        if (op.panel === undefined && op.after === undefined && op.before === undefined && op.fullWidth === undefined) {
          ctx.addIssue({ code: 'custom', message: 'say where to move the field: "panel", "after" or "before"' });
        }
        break;
      case 'add_panel':
        both(op.after, op.before, 'give "after" or "before", not both');
        break;
      case 'move_panel': {
        const given = [op.after, op.before, op.index].filter((v) => v !== undefined).length;
        if (given !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of "after", "before" or "index"' });
        break;
      }
      case 'set_width':
        if (typeof op.width === 'number' && typeof op.widthPx === 'number') {
          ctx.addIssue({ code: 'custom', message: 'give "width" or "widthPx", not both' });
        }
        break;
      default:
        break;
    }
  });

export type LayoutOperation = z.infer<typeof LayoutOperationSchema>;
export type ColumnSpec = z.infer<typeof ColumnSpecSchema>;
export type PanelRef = z.infer<typeof PanelRefSchema>;

/** The operation names, for messages and tool descriptions. */
export const LAYOUT_OPERATION_NAMES = [
  'add_field',
  'remove_field',
  'move_field',
  'add_panel',
  'rename_panel',
  'move_panel',
  'remove_panel',
  'set_columns',
  'set_width',
  'replace',
] as const;
