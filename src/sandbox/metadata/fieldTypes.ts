/**
 * `fields.{type}`: the field types the sandbox knows, with the parameters the Field Manager keeps for
 * each (`params[].name`) and the `notCreatable` flag the EspoCRM UI (and only the UI) honours.
 * Written for the sandbox from EspoCRM's documented behaviour; compact on purpose.
 */
import type { Json } from '../types.js';

type ParamType = 'bool' | 'int' | 'float' | 'varchar' | 'enum' | 'multiEnum' | 'array' | 'jsonObject' | 'text' | 'link' | 'linkMultiple' | 'arrayInt' | 'enumInt';

interface Param {
  name: string;
  type: ParamType;
  default?: Json;
  required?: boolean;
}

interface FieldTypeDef {
  params: Param[];
  notCreatable?: boolean;
  filter?: boolean;
  notSortable?: boolean;
  textFilter?: boolean;
  /** attribute suffixes a field of this type adds ('' = the field's own name) */
  actualFields?: string[];
  notActualFields?: string[];
  fields?: Record<string, { type: string }>;
  personalData?: boolean;
  /** option labels (`translatedOptions`) are supported, as in EspoCRM's enum, multiEnum, array and checklist */
  translatedOptions?: boolean;
}

const p = (name: string, type: ParamType, extra: Omit<Param, 'name' | 'type'> = {}): Param => ({ name, type, ...extra });

const required = p('required', 'bool', { default: false });
const audited = p('audited', 'bool');
const readOnly = p('readOnly', 'bool');
const readOnlyAfterCreate = p('readOnlyAfterCreate', 'bool');
const common = [audited, readOnly, readOnlyAfterCreate];
const dateParams = [p('after', 'varchar'), p('before', 'varchar'), p('useNumericFormat', 'bool')];
const optionParams = [p('options', 'array'), p('optionsReference', 'varchar'), p('translation', 'varchar'), p('optionsPath', 'varchar')];
const fileParams = [p('sourceList', 'multiEnum'), p('maxFileSize', 'float'), p('accept', 'multiEnum')];
const linkParams = [p('createButton', 'bool'), p('autocompleteOnEmpty', 'bool')];

const types: Record<string, FieldTypeDef> = {
  base: { params: [p('required', 'bool')], notCreatable: true, filter: false },
  varchar: {
    params: [required, p('default', 'varchar'), p('maxLength', 'int', { default: 100 }), p('options', 'multiEnum'), p('pattern', 'varchar'),
      p('copyToClipboard', 'bool', { default: false }), ...common, p('noSpellCheck', 'bool', { default: false }), p('optionsPath', 'varchar')],
    filter: true, textFilter: true, personalData: true,
  },
  text: {
    params: [required, p('default', 'text'), p('maxLength', 'int'), p('seeMoreDisabled', 'bool'), p('rows', 'int'), p('rowsMin', 'int', { default: 2 }),
      p('cutHeight', 'int', { default: 200 }), p('displayRawText', 'bool'), p('preview', 'bool'), p('attachmentField', 'varchar'), ...common],
    filter: true, textFilter: true, personalData: true,
  },
  wysiwyg: {
    params: [required, p('default', 'text'), p('maxLength', 'int'), p('height', 'int'), p('minHeight', 'int'), p('attachmentField', 'varchar'), ...common],
    filter: true, textFilter: true, personalData: true,
  },
  int: { params: [required, p('default', 'int'), p('min', 'int'), p('max', 'int'), p('disableFormatting', 'bool'), ...common], filter: true, textFilter: true },
  float: { params: [required, p('default', 'float'), p('min', 'float'), p('max', 'float'), p('decimalPlaces', 'int'), ...common], filter: true },
  number: { params: [p('prefix', 'varchar'), p('nextNumber', 'int', { default: 1 }), p('padLength', 'int', { default: 5 }), p('copyToClipboard', 'bool', { default: false })], filter: true, textFilter: true },
  autoincrement: { params: [], filter: true, textFilter: true },
  bool: { params: [p('default', 'bool'), ...common], filter: true },
  date: { params: [required, p('default', 'enum'), ...dateParams, p('afterOrEqual', 'bool'), ...common], filter: true, personalData: true },
  datetime: {
    params: [required, p('default', 'enum'), ...dateParams, p('afterOrEqual', 'bool'), p('hasSeconds', 'bool'), p('minuteStep', 'enumInt'), ...common],
    filter: true, personalData: true,
  },
  datetimeOptional: {
    params: [required, p('default', 'enum'), ...dateParams, p('minuteStep', 'enumInt'), ...common],
    notCreatable: true, filter: true, actualFields: ['', 'date'], fields: { date: { type: 'date' } },
  },
  enum: {
    params: [required, p('options', 'array'), p('default', 'enum'), p('optionsReference', 'varchar'), p('isSorted', 'bool'), p('translation', 'varchar'),
      p('optionsPath', 'varchar'), p('style', 'jsonObject'), p('displayAsLabel', 'bool'), p('labelType', 'enum'), ...common],
    filter: true, personalData: true, translatedOptions: true,
  },
  multiEnum: {
    params: [required, ...optionParams, p('default', 'multiEnum'), p('isSorted', 'bool'), p('allowCustomOptions', 'bool'), p('maxCount', 'int'),
      p('style', 'jsonObject'), p('displayAsLabel', 'bool'), p('labelType', 'enum'), p('displayAsList', 'bool'), p('pattern', 'varchar'), ...common],
    filter: true, notSortable: true, personalData: true, translatedOptions: true,
  },
  array: {
    params: [required, ...optionParams, p('default', 'multiEnum'), p('allowCustomOptions', 'bool'), p('noEmptyString', 'bool', { default: true }),
      p('displayAsList', 'bool'), p('maxCount', 'int'), p('pattern', 'varchar'), ...common, p('keepItems', 'bool'), p('maxItemLength', 'int')],
    filter: true, notSortable: true, personalData: true, translatedOptions: true,
  },
  checklist: {
    params: [required, p('options', 'array', { required: true }), p('optionsReference', 'varchar'), p('default', 'multiEnum'), p('isSorted', 'bool'),
      p('translation', 'varchar'), p('maxCount', 'int'), ...common, p('optionsPath', 'varchar')],
    filter: true, notSortable: true, personalData: true, translatedOptions: true,
  },
  arrayInt: { params: [required, p('options', 'arrayInt'), p('translation', 'varchar'), p('noEmptyString', 'bool', { default: false }), ...common], notCreatable: true, filter: true },
  enumInt: { params: [p('options', 'array'), p('default', 'int'), ...common, p('translation', 'varchar')], notCreatable: true, filter: true },
  enumFloat: { params: [p('options', 'array'), p('default', 'float'), ...common], notCreatable: true, filter: true },
  currency: {
    params: [required, p('default', 'float'), p('min', 'float'), p('max', 'float'), p('onlyDefaultCurrency', 'bool', { default: false }),
      p('conversionDisabled', 'bool', { default: false }), p('decimal', 'bool'), ...common, p('precision', 'int'), p('scale', 'int')],
    filter: true, personalData: true, actualFields: ['currency', ''], fields: { currency: { type: 'enum' }, converted: { type: 'currencyConverted' } },
  },
  currencyConverted: { params: [], notCreatable: true, filter: true },
  url: { params: [required, p('default', 'varchar'), p('maxLength', 'int'), p('strip', 'bool'), p('copyToClipboard', 'bool', { default: false }), ...common], filter: true, textFilter: true },
  urlMultiple: { params: [required, p('maxCount', 'int'), p('strip', 'bool'), ...common], filter: true, notSortable: true },
  email: { params: [required, audited, p('onlyPrimary', 'bool')], notCreatable: true, filter: true, textFilter: true, personalData: true, actualFields: ['isOptedOut', 'isInvalid', '', 'data'] },
  phone: {
    params: [required, p('typeList', 'array'), p('defaultType', 'varchar'), p('onlyPrimary', 'bool'), audited],
    notCreatable: true, filter: true, textFilter: true, personalData: true, actualFields: ['isOptedOut', 'isInvalid', '', 'data'],
  },
  personName: { params: [required], notCreatable: true, filter: true, textFilter: true, actualFields: ['salutation', 'first', 'last', 'middle'] },
  address: {
    params: [p('viewMap', 'bool')], filter: true, personalData: true, actualFields: ['street', 'city', 'state', 'country', 'postalCode'],
    fields: { street: { type: 'text' }, city: { type: 'varchar' }, state: { type: 'varchar' }, country: { type: 'varchar' }, postalCode: { type: 'varchar' } },
  },
  link: { params: [required, ...common, p('default', 'link'), ...linkParams], notCreatable: true, filter: true, actualFields: ['id'], notActualFields: ['name'] },
  linkOne: { params: [required, ...common, ...linkParams], notCreatable: true, filter: true, actualFields: ['id'], notActualFields: ['name'] },
  linkParent: {
    params: [required, p('entityList', 'multiEnum'), ...common, p('autocompleteOnEmpty', 'bool')],
    notCreatable: true, filter: true, actualFields: ['id', 'type'], notActualFields: ['name'],
  },
  linkMultiple: {
    params: [required, readOnly, readOnlyAfterCreate, audited, p('default', 'linkMultiple'), ...linkParams, p('maxCount', 'int'), p('sortable', 'bool', { default: false })],
    notCreatable: true, notSortable: true, filter: true, actualFields: ['ids'], notActualFields: ['names'],
  },
  foreign: { params: [p('link', 'varchar'), p('field', 'varchar'), p('relateOnImport', 'bool'), p('view', 'varchar')], filter: true },
  file: { params: [required, ...fileParams, readOnly, readOnlyAfterCreate, audited], filter: true, actualFields: ['id'], notActualFields: ['name'] },
  image: {
    params: [required, p('previewSize', 'enum', { default: 'small' }), p('listPreviewSize', 'enum'), p('maxFileSize', 'float'), readOnly, readOnlyAfterCreate, audited],
    filter: true, actualFields: ['id'], notActualFields: ['name'],
  },
  attachmentMultiple: {
    params: [required, audited, ...fileParams, p('previewSize', 'enum', { default: 'medium' }), p('maxCount', 'int')],
    filter: true, notSortable: true, actualFields: ['ids'], notActualFields: ['names'],
  },
  password: { params: [], notCreatable: true, filter: false },
  map: { params: [p('height', 'int', { default: 300 })], notCreatable: true, notSortable: true, filter: false },
  jsonArray: { params: [], notCreatable: true, notSortable: true, filter: false },
  jsonObject: { params: [], notCreatable: true, filter: false },
  barcode: { params: [required, p('codeType', 'enum'), p('lastChar', 'varchar'), readOnly, readOnlyAfterCreate], filter: true, textFilter: true },
  colorpicker: { params: [required, p('default', 'varchar'), ...common], notCreatable: true, filter: false },
  duration: { params: [p('default', 'int'), p('options', 'arrayInt')], notCreatable: true },
  rangeInt: { params: [required, p('min', 'int'), p('max', 'int'), ...common], notCreatable: false, filter: true, actualFields: ['from', 'to'] },
  rangeFloat: { params: [required, p('min', 'float'), p('max', 'float'), p('decimalPlaces', 'int'), ...common], filter: true, actualFields: ['from', 'to'] },
  rangeCurrency: { params: [required, p('min', 'float'), p('max', 'float'), ...common], filter: true, actualFields: ['from', 'to', 'currency'] },
};

/** The `fields` metadata section, as plain JSON. */
export function fieldTypesMetadata(): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, def] of Object.entries(types)) {
    const entry: Record<string, Json> = {
      params: def.params.map((param) => ({ ...param }) as Record<string, Json>),
      notCreatable: def.notCreatable ?? false,
      filter: def.filter ?? false,
    };
    if (def.notSortable) entry.notSortable = true;
    if (def.textFilter) entry.textFilter = true;
    if (def.personalData) entry.personalData = true;
    if (def.translatedOptions) entry.translatedOptions = true;
    if (def.actualFields) entry.actualFields = [...def.actualFields];
    if (def.notActualFields) entry.notActualFields = [...def.notActualFields];
    if (def.fields) entry.fields = JSON.parse(JSON.stringify(def.fields)) as Json;
    out[name] = entry;
  }
  return out;
}
