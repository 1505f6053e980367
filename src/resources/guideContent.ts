/**
 * The content of the fixed guides (guides.ts declares them; this module is imported on the first read:
 * it brings in the layout and field-spec cores). Fixed guides (no tenant, no CRM call): the explanations and examples the tool definitions leave
 * out. Every conversation pays for the tool definitions (descriptions and input schemas) before its
 * first call, so they keep the rules that prevent a wrong call and point here for the rest; a model
 * reads a guide only when it needs it. What the guides say about kinds, operations, types and aliases
 * comes from the cores, so it cannot drift from what the tools accept.
 */
import { GUIDE_EXAMPLES_URI, GUIDE_FIELD_TYPES_URI, GUIDE_LAYOUT_OPERATIONS_URI } from './uris.js';
import { FIELD_LAYOUT_TARGETS, KNOWN_LAYOUT_NAMES, MAX_CELLS_PER_ROW, OPS_BY_KIND, PANEL_STYLES, kindDescription, layoutKind } from '../core/layout/index.js';
import {
  ENUM_VALUE_MAX_LENGTH,
  FIELD_TYPE_ALIASES,
  OPTION_STYLES,
  SUPPORTED_FIELD_TYPES,
  VARCHAR_MAX_LENGTH,
} from '../core/fieldSpec/index.js';

const SAFE_WRITES =
  'Every write tool takes dryRun: true to show its plan first. Destructive tools (reset_layout, delete_custom_field, ' +
  'merge_duplicates, undoing a field creation) act only with the confirm token their own plan returned: call once without ' +
  '"confirm", show the plan to the user, then call again with the same arguments and "confirm": <token>. A token is single-use, ' +
  'expires after 10 minutes and is refused when what it planned on changed. Applied changes return a changeId; undo_change ' +
  'reverts it (merge_duplicates cannot be undone). Fields, layouts, rebuild and undo need the tenant\'s admin login.';

export function layoutOperationsContent() {
  return {
    guide: 'layout-operations',
    about:
      'How edit_layout changes a layout: the layout names and their kinds, which operations each kind takes, every ' +
      'operation\'s arguments, and examples. get_layout and reset_layout take the same layout names. One call per tool: ' +
      `${GUIDE_EXAMPLES_URI}.`,
    flow: [
      'get_layout first: it shows the panels (labels and 0-based indexes), the fields and where they are, and the problems the layout already has.',
      'edit_layout with "dryRun": true: the operations are applied in order to a copy, all-or-nothing, and the result is validated (every field exists, appears once, rows and widths within what EspoCRM allows). It returns the before/after diff and a baseFingerprint.',
      'edit_layout again with the same operations, "dryRun": false and "baseFingerprint" from the dry run: refused (stale_plan, with the current layout) if the layout changed in between, so a newer edit is never overwritten.',
      'The result gives a changeId: undo_change reverts the edit. A layout EspoCRM no longer serves (saved malformed) is repaired with reset_layout.',
      'Errors name the failing operation by its 0-based index; nothing is saved.',
    ],
    names: {
      field: 'A field is named as in the entity\'s metadata ("cTier", "status", "emailAddress"), never by its label; describe_entity lists the names.',
      panel:
        'A panel is named by its label, its custom label or its name (case-insensitive), or by its 0-based index. A panel literally called "remove" is given by index in moveFieldsTo.',
      position: '"after" / "before" name a field that is in the layout (give one, not both). Without them the field goes to the end (of the panel, on detail layouts).',
      links: 'On relationships, add_field / remove_field / move_field name relationship links instead of fields.',
    },
    // By kind: the layout names of each, what they hold and the operations they take.
    layoutKinds: Object.fromEntries(
      [...new Set(KNOWN_LAYOUT_NAMES.map(layoutKind))].map((kind) => [
        kind,
        { layouts: KNOWN_LAYOUT_NAMES.filter((n) => layoutKind(n) === kind), holds: kindDescription(kind), operations: OPS_BY_KIND[kind] },
      ]),
    ),
    operations: {
      add_field: {
        arguments: {
          field: 'the field (metadata name), required',
          panel: 'detail layouts: the panel to add to; default the first panel',
          after: 'place right after this field',
          before: 'place right before this field',
          fullWidth: 'detail layouts: the field gets a row of its own',
          width: 'list layouts: column width in percent (0-100); give width or widthPx, not both',
          widthPx: 'list layouts: column width in pixels (0-720)',
          link: 'list layouts: the cell links to the record',
          notSortable: 'list layouts: the column cannot be sorted',
          align: 'list layouts: "left" or "right"',
        },
        notes: `A field already in the layout is refused (use move_field). Detail rows hold 2 cells by default, at most ${MAX_CELLS_PER_ROW}.`,
        example: { op: 'add_field', field: 'cTier', panel: 'Overview', after: 'status' },
      },
      remove_field: {
        arguments: { field: 'the field to take out, required' },
        notes: 'A layout EspoCRM needs non-empty (detail, list) keeps at least one field.',
        example: { op: 'remove_field', field: 'cTier' },
      },
      move_field: {
        arguments: {
          field: 'the field to move, required',
          panel: 'detail layouts: move to the end of this panel',
          after: 'move right after this field',
          before: 'move right before this field',
          fullWidth: 'detail layouts: set (true) or clear (false) full width; alone, changes it in place',
        },
        notes: 'Say where: panel, after or before (detail layouts also accept fullWidth alone). List-like layouts take after/before only.',
        example: { op: 'move_field', field: 'cTier', before: 'status' },
      },
      add_panel: {
        arguments: {
          label: 'the panel label shown to users, required, unique in the layout',
          style: `panel style: ${PANEL_STYLES.join(', ')}; default "default"`,
          after: 'insert after this panel; default at the end',
          before: 'insert before this panel',
          tabBreak: 'the panel starts a new tab',
          tabLabel: 'the tab label (needs tabBreak: true)',
          fields: 'fields to put in the panel, two per row; none may already be in the layout (add the panel, then move_field)',
        },
        example: { op: 'add_panel', label: 'Qualification', after: 'Overview', fields: ['cTier', 'cScore'] },
      },
      rename_panel: {
        arguments: { panel: 'the panel, required', label: 'the new label, required' },
        example: { op: 'rename_panel', panel: 0, label: 'Summary' },
      },
      move_panel: {
        arguments: { panel: 'the panel, required', after: 'another panel', before: 'another panel', index: 'the 0-based position it ends up at' },
        notes: 'Give exactly one of after, before or index.',
        example: { op: 'move_panel', panel: 'Qualification', index: 0 },
      },
      remove_panel: {
        arguments: {
          panel: 'the panel, required',
          moveFieldsTo: 'required when the panel holds fields: another panel to move them to (rows kept as they are), or "remove" to drop them',
        },
        notes: 'The only panel cannot be removed.',
        example: { op: 'remove_panel', panel: 'Qualification', moveFieldsTo: 'Overview' },
      },
      set_columns: {
        arguments: {
          columns:
            'the full list of columns, in order: {"name", "width"?, "widthPx"?, "link"?, "notSortable"?, "noLabel"?, "align"?, "hidden"?, ' +
            '"customLabel"?, "isLarge"?, "isMuted"?}. Columns left out are removed; keys left out are kept from the existing column; null removes a key.',
        },
        example: { op: 'set_columns', columns: [{ name: 'name', link: true, width: 30 }, { name: 'status' }, { name: 'cTier', width: 15 }] },
      },
      set_width: {
        arguments: { field: 'the column, required', width: 'percent (0-100)', widthPx: 'pixels (0-720)' },
        notes: 'Give width or widthPx, or neither (or null) to clear the width: the column then takes the space left.',
        example: { op: 'set_width', field: 'cTier', width: 12 },
      },
      replace: {
        arguments: { layout: 'the whole layout JSON, as get_layout returns it (layoutJson); it must pass validation' },
        notes: 'The only operation for sidePanels*, bottomPanels*; on other layouts prefer the specific operations. The example is for filters (a list of field names).',
        example: { op: 'replace', layout: ['name', 'status', 'cTier'] },
      },
    },
    examples: [
      {
        what: 'Place a field on the record view, after "status" (dry run, then apply with the fingerprint)',
        calls: [
          { tool: 'get_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'detail' } },
          { tool: 'edit_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'cTier', panel: 'Overview', after: 'status' }], dryRun: true } },
          { tool: 'edit_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'cTier', panel: 'Overview', after: 'status' }], baseFingerprint: '<baseFingerprint of the dry run>' } },
        ],
      },
      {
        what: 'A new panel with two fields, then drop an old panel and keep its fields',
        calls: [
          {
            tool: 'edit_layout',
            arguments: {
              tenant: 'damath', entity: 'Lead', layout: 'detail', dryRun: true,
              operations: [{ op: 'add_panel', label: 'Qualification', after: 'Overview', fields: ['cTier', 'cScore'] }, { op: 'remove_panel', panel: 'Old', moveFieldsTo: 'Qualification' }],
            },
          },
        ],
      },
      {
        what: 'A list column with a width, and a search filter',
        calls: [
          { tool: 'edit_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field: 'cTier', after: 'status', width: 12 }], dryRun: true } },
          { tool: 'edit_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'filters', operations: [{ op: 'add_field', field: 'cTier' }], dryRun: true } },
        ],
      },
      {
        what: 'Drop a layout\'s customisation (destructive: plan, then confirm)',
        calls: [
          { tool: 'reset_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'detail' } },
          { tool: 'reset_layout', arguments: { tenant: 'damath', entity: 'Lead', layout: 'detail', confirm: '<token of the plan>' } },
        ],
      },
    ],
    safety: SAFE_WRITES,
  };
}

export function fieldTypesContent() {
  return {
    guide: 'field-types',
    about:
      'What create_custom_field and update_custom_field accept: names, types, which parameter fits which type, valid options and ' +
      `defaults, and examples. One call per tool: ${GUIDE_EXAMPLES_URI}.`,
    names: [
      'The field name is the technical name, never the label: ASCII letters and digits, starting with a letter. Natural forms are converted and reported: "secteur_transport", "Secteur Transport" and "secteur-transport" become "secteurTransport".',
      'On standard entity types (Lead, Account, ...) EspoCRM 8.2+ stores custom fields with a "c" prefix: "secteurTransport" is stored as "cSecteurTransport". Do not add it yourself; a name given as "cFoo" means the stored "cFoo" (not "cCFoo"). Custom entity types (e.g. "CProject") get no prefix.',
      'Use the stored name the result returns ("field") in layouts, filters and later calls. update_custom_field, delete_custom_field and describe_entity take the stored name or the name the field was created with.',
      'A few names are reserved (id, deleted, createdAt, assignedUser, teams, ...) and a name may not clash with a field or link of the entity; the refusal says why.',
    ],
    types: SUPPORTED_FIELD_TYPES,
    aliases: FIELD_TYPE_ALIASES,
    otherTypes:
      'email and phone: use the built-in emailAddress / phoneNumber (several per record) or a varchar with a pattern; link: create the relationship in EspoCRM\'s Entity Manager; the refusal of any other type says what to use instead. "number" is read as int (EspoCRM\'s auto-number type is not created here).',
    parameters: {
      label: 'all types: the label shown in the CRM, any language and characters (default: derived from the name).',
      tooltip: 'all types: help text shown next to the label. Update: "" or null removes it.',
      required: 'all types but bool (always true or false: give it a default instead): a value is required when saving a record.',
      audited: 'all types: changes of the field are recorded in the stream (audit log).',
      readOnly: 'all types: users cannot edit the field (formulas and the API still can).',
      readOnlyAfterCreate: 'all types: editable when the record is created only.',
      maxLength: `varchar, url: 1-${VARCHAR_MAX_LENGTH} (default 100 for varchar; longer texts: type "text"); text, wysiwyg: any positive whole number.`,
      pattern: 'varchar, multiEnum, array: a regular expression without slashes, e.g. "[A-Z]{2}[0-9]{4}", or a named pattern of the CRM such as "$digits".',
      min: 'int, float, currency: smallest allowed value (int: whole numbers within 32 bits). Update: null removes the limit.',
      max: 'int, float, currency: largest allowed value, at least min. Update: null removes the limit.',
      decimalPlaces: 'float: decimals shown, 0-15.',
      options:
        `enum, multiEnum and checklist (required), array (optional), varchar (suggestions): texts, or {"value", "label"?, "style"?} objects. Values must be unique (also ignoring case); enum values at most ${ENUM_VALUE_MAX_LENGTH} characters (put long wording in labels). For enum, a leading "" allows "no value". Update: "options" replaces the whole list, "addOptions" appends, "removeOptions" removes values (records holding a removed value keep it).`,
      optionLabels: 'enum, multiEnum, checklist, array: labels by option value, e.g. {"transport": "Transport routier"}; key "" labels the empty option.',
      style: `enum, multiEnum: badge colour by option value, e.g. {"Gold": "success"}; colours: ${OPTION_STYLES.join(', ')} (null removes one). An option object's "style" takes the same colours.`,
      isSorted: 'enum, multiEnum, checklist: show the options sorted alphabetically.',
      maxCount: 'multiEnum, checklist, array: maximum number of items (1 or more).',
      default: {
        enum: 'one of the options, as a text ("" only when the options start with "")',
        'multiEnum, checklist, array': 'a list of options, e.g. ["Transport"]',
        'int, float, currency': 'a number within min and max',
        bool: 'true or false',
        'varchar, url, text, wysiwyg': 'a text (within maxLength)',
        date: '"today", "tomorrow", "+3 days", "+1 week", "+2 months", "+1 year" (the forms the CRM offers)',
        datetime: '"now", "+2 hours", "+1 day", ...',
        null: 'no default (update: removes it)',
      },
      params:
        'other parameters from the CRM\'s definition of the type, e.g. {"copyToClipboard": true} for varchar, {"rows": 4} for text, {"decimal": true, "precision": 12, "scale": 2} for currency (they may also be given at the top level). A parameter that does not apply to the type is refused, with the type\'s parameters and a "did you mean".',
      addToLayouts:
        `create only: ${FIELD_LAYOUT_TARGETS.join(', ')}, or objects {"layout", "panel"? (detail, detailSmall: label or 0-based index; default the first panel), "after"? (a field name in that layout; default at the end), "fullWidth"? (detail, detailSmall), "width"? (list: percent)}. A layout that already shows the field is left as it is. For other layouts or moves, use edit_layout.`,
    },
    behaviour: [
      'create_custom_field validates the whole request against the CRM\'s own metadata before writing, then reads the definition back and compares it. The same definition again answers "unchanged" and writes nothing; a different definition under an existing name is refused with a pointer to update_custom_field.',
      'update_custom_field never creates a field and cannot change the type. EspoCRM replaces the whole definition on update, so the current one is read, changed and sent back whole, then read back. It warns about existing records (removed options, narrower limits).',
      'EspoCRM rebuilds by itself after a field is created, changed or deleted: no rebuild call is needed.',
      'delete_custom_field works on custom fields only, in two calls with a confirm token; the database column and its data stay, so undo_change re-creates the field with its values.',
    ],
    examples: [
      {
        what: 'A dropdown, placed on the record view and the list',
        tool: 'create_custom_field',
        arguments: {
          tenant: 'damath', entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'enum',
          options: ['', 'Transport', 'Logistique', 'Industrie'], default: '',
          addToLayouts: ['detail', { layout: 'list', width: 12 }], dryRun: true,
        },
      },
      {
        what: 'Options with labels and colours',
        tool: 'create_custom_field',
        arguments: {
          tenant: 'damath', entity: 'Account', name: 'tier', type: 'enum',
          options: [{ value: 'gold', label: 'Gold', style: 'success' }, { value: 'silver', label: 'Silver' }], default: 'silver',
        },
      },
      { what: 'A number with limits', tool: 'create_custom_field', arguments: { tenant: 'damath', entity: 'Lead', name: 'score', type: 'int', min: 0, max: 100, default: 0 } },
      { what: 'A date defaulting to a week ahead', tool: 'create_custom_field', arguments: { tenant: 'damath', entity: 'Lead', name: 'relance', label: 'Relance', type: 'date', default: '+1 week' } },
      { what: 'A code with a pattern', tool: 'create_custom_field', arguments: { tenant: 'damath', entity: 'Account', name: 'siren', type: 'varchar', maxLength: 9, pattern: '$digits' } },
      {
        what: 'Add an option and change the label',
        tool: 'update_custom_field',
        arguments: { tenant: 'damath', entity: 'Lead', name: 'secteur', addOptions: ['Agriculture'], label: "Secteur d'activité", dryRun: true },
      },
      { what: 'Remove a limit', tool: 'update_custom_field', arguments: { tenant: 'damath', entity: 'Lead', name: 'cScore', max: null } },
      { what: 'Delete (plan, then confirm)', tool: 'delete_custom_field', arguments: { tenant: 'damath', entity: 'Lead', name: 'cSecteur' }, then: { confirm: '<token of the plan>' } },
    ],
    safety: SAFE_WRITES,
  };
}

export function examplesContent() {
  const call = (tool: string, args: Record<string, unknown>, note?: string) => ({ tool, arguments: args, ...(note ? { note } : {}) });
  return {
    guide: 'examples',
    about: 'One typical call per tool. Layout and field details: ' + `${GUIDE_LAYOUT_OPERATIONS_URI}, ${GUIDE_FIELD_TYPES_URI}.`,
    safety: SAFE_WRITES,
    calls: [
      call('list_tenants', {}, 'Needs no argument and calls no CRM: ids, read-only, credentials, write tools allowed.'),
      call('check_tenant', { tenant: 'damath' }, 'When a tool fails to connect or log in: reachability, version, siteUrl (instance guard), API key, admin login.'),
      call('describe_entity', { tenant: 'damath', entity: 'Lead', fields: ['secteur', 'status'] }, 'Stored or natural names; without "fields", every field.'),
      call('get_layout', { tenant: 'damath', entity: 'Lead', layout: 'detail' }),
      call('edit_layout', { tenant: 'damath', entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'cTier', panel: 'Overview', after: 'status' }], dryRun: true }, 'Then the same operations with "baseFingerprint" from the dry run.'),
      call('reset_layout', { tenant: 'damath', entity: 'Lead', layout: 'detail' }, 'Then the same with "confirm": "<token>".'),
      call('create_custom_field', { tenant: 'damath', entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'enum', options: ['Transport', 'Logistique', 'Industrie'], addToLayouts: ['detail', { layout: 'list', width: 12 }] }),
      call('update_custom_field', { tenant: 'damath', entity: 'Lead', name: 'secteur', addOptions: ['Agriculture'], label: "Secteur d'activité" }),
      call('delete_custom_field', { tenant: 'damath', entity: 'Lead', name: 'cSecteur' }, 'Then the same with "confirm": "<token>".'),
      call('rebuild', { tenant: 'damath' }, 'Or {"tenant": "damath", "clearCache": false}. Not needed after the field and layout tools.'),
      call('find_duplicates', { tenant: 'damath', entities: ['Lead'], match: ['email', 'phone', 'name'], minScore: 0.8, limit: 10 }, 'Next page: {"tenant": "damath", "cursor": "<nextCursor>"}.'),
      call('merge_duplicates', { tenant: 'damath', entity: 'Lead', keepId: '6a62...', mergeIds: ['6b01...'] }, 'NOT undoable. Show the plan; then the same with "confirm": "<token>".'),
      call('find_unused_fields', { tenant: 'damath', entities: 'all' }),
      call('undo_change', { tenant: 'damath', changeId: 'chg_m1x2y3_ab12cd34' }, 'Undoing a field creation plans first: then the same with "confirm": "<token>".'),
    ],
  };
}

