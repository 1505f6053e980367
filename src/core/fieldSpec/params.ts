import { FieldSpecError } from './errors.js';
import { paramDefs } from './rules.js';
import { didYouMean } from './suggest.js';
import type { FieldTypeDef } from './types.js';

/** Parameters EspoCRM lists but this tool does not set: they point at other fields or translations. */
const NOT_OFFERED: Readonly<Record<string, string>> = {
  optionsReference: 'it makes the field reuse the options of another field',
  optionsPath: 'it points the options at another metadata path',
  translation: 'it points the option labels at another translation',
};

/** The parameters a request may set for a type: the tenant's `fields.{type}.params`, minus a few. */
export function applicableParams(typeDef: FieldTypeDef): string[] {
  return [...paramDefs(typeDef).keys()].filter((p) => NOT_OFFERED[p] === undefined);
}

/** Every key must be a parameter of the type; the error lists the ones that are. */
export function checkApplicable(keys: readonly string[], type: string, typeDef: FieldTypeDef): FieldSpecError[] {
  const allowed = applicableParams(typeDef);
  const errors: FieldSpecError[] = [];
  for (const key of keys) {
    if (allowed.includes(key)) continue;
    if (NOT_OFFERED[key] !== undefined && paramDefs(typeDef).has(key)) {
      errors.push(new FieldSpecError('param_not_supported', `"${key}" is not set by this tool (${NOT_OFFERED[key]}); set it in EspoCRM's Field Manager UI if needed.`, key));
      continue;
    }
    const special =
      key === 'required' && type === 'bool'
        ? ' A bool is always true or false, so it cannot be required; set "default" instead.'
        : key === 'options'
          ? ' Options apply to enum, multiEnum, checklist, array (and varchar, as suggestions).'
          : didYouMean(key, allowed);
    errors.push(
      new FieldSpecError('param_not_applicable', `"${key}" does not apply to ${type} fields.${special} Parameters of ${type}: ${allowed.join(', ')}; plus label and tooltip.`, key),
    );
  }
  return errors;
}

/** Option labels only for types whose definition supports them (`fields.{type}.translatedOptions`). */
export function checkOptionLabelsApplicable(type: string, typeDef: FieldTypeDef): FieldSpecError[] {
  return typeDef.translatedOptions === true
    ? []
    : [new FieldSpecError('param_not_applicable', `Option labels do not apply to ${type} fields; they apply to enum, multiEnum, checklist and array.`, 'optionLabels')];
}
