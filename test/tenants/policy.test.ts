/**
 * The tool policy, as a pure function (issue 17, "Tests that pin the security cores"): which tool may
 * run on which tenant for which caller, read-only first (server, tenant, caller), then tools.exclude,
 * then tools.include; each refusal says why. The effect policy (decideEffects) judges each effect of a
 * call as the tool that owns it. Through a running server: test/pipeline/policy.test.ts and
 * test/pipeline/effects.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { callerId, decideEffects, decideTool, EFFECTS, LOCAL_PRINCIPAL, principalSees, type Principal, type ToolKind } from '../../src/tenants/policy.js';
import type { TenantConfig } from '../../src/config/types.js';

const tenant = (extra: Partial<TenantConfig> = {}): TenantConfig => ({ id: 'acme', name: 'Acme', url: 'http://127.0.0.1:1', readOnly: false, ...extra });
const tool = (name: string, kind: ToolKind) => ({ name, kind });
const writer: Principal = { name: 'max', tenants: '*' };
const reader: Principal = { name: 'reporting', tenants: ['acme'], readOnly: true };
const open = { readOnly: false };
const frozen = { readOnly: true };

describe('decideTool', () => {
  it('allows every tool where nothing restricts it', () => {
    for (const kind of ['read', 'write', 'destructive'] as const) {
      expect(decideTool(tool('x', kind), tenant(), writer, open)).toEqual({ allowed: true });
      expect(decideTool(tool('x', kind), tenant({ tools: {} }), writer, open)).toEqual({ allowed: true });
      expect(decideTool(tool('x', kind), tenant({ tools: { include: [], exclude: [] } }), writer, open)).toEqual({ allowed: true });
    }
  });

  it('read-only, from the server, the tenant or the caller, disables writes and destructive tools, not reads', () => {
    const cases: Array<[TenantConfig, Principal, { readOnly: boolean }, string]> = [
      [tenant(), writer, frozen, 'the server runs with --read-only, so "edit_layout" (a write) is disabled'],
      [tenant({ readOnly: true }), writer, open, 'tenant "acme" is configured read-only ("readOnly": true in tenants.json), so "edit_layout" is disabled'],
      [tenant(), reader, open, 'your access ("reporting") is read-only, so "edit_layout" is disabled'],
    ];
    for (const [t, p, server, reason] of cases) {
      expect(decideTool(tool('edit_layout', 'write'), t, p, server)).toEqual({ allowed: false, reason });
      expect(decideTool(tool('edit_layout', 'destructive'), t, p, server)).toEqual({ allowed: false, reason });
      expect(decideTool(tool('edit_layout', 'read'), t, p, server)).toEqual({ allowed: true });
    }
    // A caller with readOnly: false is a writer.
    expect(decideTool(tool('edit_layout', 'write'), tenant(), { ...writer, readOnly: false }, open)).toEqual({ allowed: true });
  });

  it('says the first reason that applies: server, then tenant, then caller, then exclude, then include', () => {
    const all = tenant({ readOnly: true, tools: { exclude: ['edit_layout'], include: ['describe_entity'] } });
    const edit = tool('edit_layout', 'write');
    expect(decideTool(edit, all, reader, frozen).reason).toMatch(/^the server runs with --read-only/);
    expect(decideTool(edit, all, reader, open).reason).toMatch(/^tenant "acme" is configured read-only/);
    expect(decideTool(edit, { ...all, readOnly: false }, reader, open).reason).toMatch(/^your access \("reporting"\) is read-only/);
    expect(decideTool(edit, { ...all, readOnly: false }, writer, open).reason).toMatch(/^"edit_layout" is excluded/);
    expect(decideTool(edit, tenant({ tools: { include: ['describe_entity'] } }), writer, open).reason).toMatch(/^"edit_layout" is not in the tools allowed/);
  });

  it('tools.exclude refuses the tools it names, read tools included', () => {
    const t = tenant({ tools: { exclude: ['delete_custom_field', 'find_duplicates'] } });
    expect(decideTool(tool('delete_custom_field', 'destructive'), t, writer, open)).toEqual({
      allowed: false,
      reason: '"delete_custom_field" is excluded for tenant "acme" (tools.exclude in tenants.json)',
    });
    expect(decideTool(tool('find_duplicates', 'read'), t, writer, open)).toEqual({ allowed: false, reason: '"find_duplicates" is excluded for tenant "acme" (tools.exclude in tenants.json)' });
    expect(decideTool(tool('edit_layout', 'write'), t, writer, open)).toEqual({ allowed: true });
  });

  it('a non-empty tools.include allows only the tools it names, read tools included, and lists them when refusing', () => {
    const t = tenant({ tools: { include: ['describe_entity', 'create_custom_field'] } });
    expect(decideTool(tool('describe_entity', 'read'), t, writer, open)).toEqual({ allowed: true });
    expect(decideTool(tool('create_custom_field', 'write'), t, writer, open)).toEqual({ allowed: true });
    expect(decideTool(tool('get_layout', 'read'), t, writer, open)).toEqual({
      allowed: false,
      reason: '"get_layout" is not in the tools allowed for tenant "acme" (tools.include in tenants.json): describe_entity, create_custom_field',
    });
    expect(decideTool(tool('edit_layout', 'write'), t, writer, open).allowed).toBe(false);
    // Excluded wins over included.
    expect(decideTool(tool('describe_entity', 'read'), tenant({ tools: { include: ['describe_entity'], exclude: ['describe_entity'] } }), writer, open).reason).toMatch(/is excluded/);
    // Included does not lift read-only.
    expect(decideTool(tool('create_custom_field', 'write'), { ...t, readOnly: true }, writer, open).allowed).toBe(false);
  });
});

describe('decideEffects', () => {
  const undo = tool('undo_change', 'destructive');

  it('maps each effect to the tool that owns it, and that tool’s kind', () => {
    expect(EFFECTS).toEqual({
      'field.create': { tool: 'create_custom_field', kind: 'write', words: 'create a field' },
      'field.update': { tool: 'update_custom_field', kind: 'write', words: 'change a field' },
      'field.delete': { tool: 'delete_custom_field', kind: 'destructive', words: 'delete a field' },
      'layout.edit': { tool: 'edit_layout', kind: 'write', words: 'edit a layout' },
      'layout.reset': { tool: 'reset_layout', kind: 'destructive', words: 'reset a layout' },
      'records.merge': { tool: 'merge_duplicates', kind: 'destructive', words: 'merge records' },
      'instance.rebuild': { tool: 'rebuild', kind: 'write', words: 'rebuild the CRM' },
    });
  });

  it('refuses an effect whose owner is excluded, saying what the call would do and why not', () => {
    for (const [effect, owner] of Object.entries(EFFECTS) as Array<[keyof typeof EFFECTS, (typeof EFFECTS)[keyof typeof EFFECTS]]>) {
      expect(decideEffects([effect], undo, tenant({ tools: { exclude: [owner.tool] } }), writer, open), effect).toEqual({
        allowed: false,
        reason: `this call would ${owner.words}, which is not allowed here: "${owner.tool}" is excluded for tenant "acme" (tools.exclude in tenants.json)`,
      });
      expect(decideEffects([effect], undo, tenant({ tools: { exclude: ['something_else'] } }), writer, open), effect).toEqual({ allowed: true });
    }
  });

  it('the first refused effect gives the reason; allowed effects before it do not hide it', () => {
    const t = tenant({ tools: { include: ['undo_change', 'edit_layout', 'create_custom_field'] } });
    expect(decideEffects(['layout.edit', 'field.create', 'field.delete', 'layout.reset'], undo, t, writer, open)).toEqual({
      allowed: false,
      reason:
        'this call would delete a field, which is not allowed here: "delete_custom_field" is not in the tools allowed for tenant "acme" (tools.include in tenants.json): undo_change, edit_layout, create_custom_field',
    });
    expect(decideEffects(['layout.edit', 'field.create', 'layout.edit'], undo, t, writer, open)).toEqual({ allowed: true });
  });

  it("refuses with the tool's own reason first, with no effect, and under read-only", () => {
    expect(decideEffects([], undo, tenant({ tools: { exclude: ['undo_change'] } }), writer, open)).toEqual({
      allowed: false,
      reason: '"undo_change" is excluded for tenant "acme" (tools.exclude in tenants.json)',
    });
    expect(decideEffects(['field.delete'], undo, tenant(), writer, frozen).reason).toBe('the server runs with --read-only, so "undo_change" (a write) is disabled');
    expect(decideEffects([], undo, tenant(), writer, open)).toEqual({ allowed: true });
  });

  it("judges a tool's own effect as the tool itself, not again as the effect's owner", () => {
    // A read tool owning an effect (only a test can build one): read-only does not stop it, its effect is its own.
    expect(decideEffects(['layout.edit'], tool('edit_layout', 'read'), tenant(), writer, frozen)).toEqual({ allowed: true });
    expect(decideEffects(['layout.edit'], tool('get_layout', 'read'), tenant(), writer, frozen)).toEqual({
      allowed: false,
      reason: 'this call would edit a layout, which is not allowed here: the server runs with --read-only, so "edit_layout" (a write) is disabled',
    });
  });
});

describe('callers', () => {
  it('names a caller by how it authenticated and its name, or by its name alone on stdio', () => {
    expect(callerId({ name: 'max', tenants: '*', via: 'jwt' })).toBe('jwt:max');
    expect(callerId({ name: 'max', tenants: '*', via: 'token' })).toBe('token:max');
    expect(callerId({ name: 'anonymous', tenants: '*', via: 'none' })).toBe('none:anonymous');
    expect(callerId(LOCAL_PRINCIPAL)).toBe('local');
    expect(LOCAL_PRINCIPAL).toEqual({ name: 'local', tenants: '*' });
  });

  it('sees every tenant with "*", else only the listed ones', () => {
    expect(principalSees(LOCAL_PRINCIPAL, 'anything')).toBe(true);
    expect(principalSees(reader, 'acme')).toBe(true);
    expect(principalSees(reader, 'beta')).toBe(false);
    expect(principalSees({ name: 'none', tenants: [] }, 'acme')).toBe(false);
  });
});
