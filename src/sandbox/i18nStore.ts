/**
 * Labels (`GET I18n`): field labels, tooltips and option translations per entity type. The Field
 * Manager writes here (labels are not metadata); a pristine copy serves resets.
 */
import type { Json } from './types.js';
import { initialI18n, type JsonObject } from './metadata/index.js';

type Section = 'fields' | 'tooltips' | 'options';

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export class I18nStore {
  private readonly core: JsonObject;
  private live: JsonObject;

  constructor(initial: JsonObject = initialI18n()) {
    this.core = structuredClone(initial);
    this.live = structuredClone(initial);
  }

  all(): JsonObject {
    return this.live;
  }

  label(scope: string, field: string): string | undefined {
    const value = this.section(scope, 'fields')[field];
    return typeof value === 'string' ? value : undefined;
  }

  setLabel(scope: string, field: string, label: string): void {
    this.section(scope, 'fields')[field] = label;
  }

  tooltip(scope: string, field: string): string | undefined {
    const value = this.section(scope, 'tooltips')[field];
    return typeof value === 'string' ? value : undefined;
  }

  /** An empty text removes the tooltip, as EspoCRM does. */
  setTooltip(scope: string, field: string, text: string): void {
    const tooltips = this.section(scope, 'tooltips');
    if (text === '') delete tooltips[field];
    else tooltips[field] = text;
  }

  options(scope: string, field: string): Record<string, string> | undefined {
    const value = this.section(scope, 'options')[field];
    return isObject(value) ? (value as Record<string, string>) : undefined;
  }

  /** Option translations replace the previous ones; the key `_empty_` stands for the option "". */
  setOptions(scope: string, field: string, translated: Record<string, Json>): void {
    const clean: JsonObject = {};
    for (const [value, label] of Object.entries(translated)) if (typeof label === 'string') clean[value] = label;
    this.section(scope, 'options')[field] = clean;
  }

  deleteField(scope: string, field: string): void {
    for (const section of ['fields', 'tooltips', 'options'] as const) delete this.section(scope, section)[field];
  }

  /** Back to the labels the sandbox started with (core fields only have them). */
  resetField(scope: string, field: string): void {
    for (const section of ['fields', 'tooltips', 'options'] as const) {
      const original = (this.core[scope] as JsonObject | undefined)?.[section];
      const value = isObject(original) ? original[field] : undefined;
      if (value === undefined) delete this.section(scope, section)[field];
      else this.section(scope, section)[field] = structuredClone(value);
    }
  }

  private section(scope: string, section: Section): JsonObject {
    let entity = this.live[scope];
    if (!isObject(entity)) {
      entity = {};
      this.live[scope] = entity;
    }
    let part = entity[section];
    if (!isObject(part)) {
      part = {};
      entity[section] = part;
    }
    return part;
  }
}
