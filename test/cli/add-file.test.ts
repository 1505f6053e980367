import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setTenantInText } from '../../src/cli/add-file.js';
import { ConfigError } from '../../src/config/errors.js';

const entry = { name: 'Acme', url: 'https://crm.acme.example', apiKey: 'keychain' };
const opts = { force: false, source: '/x/tenants.json' };

describe('setTenantInText', () => {
  it('creates a file when there is none', () => {
    const r = setTenantInText(undefined, 'acme', entry, opts);
    expect(r.replaced).toBe(false);
    expect(r.text).toBe(`${JSON.stringify({ tenants: { acme: entry } }, null, 2)}\n`);
  });

  it('appends after the last tenant at the same indentation, leaving the text before it as it was', () => {
    const text = '{\n\t"tenants": {\n\t\t"b": { "url": "https://b.example", "apiKey": "env:B" }\n\t},\n\t"defaults": { "readOnly": true }\n}\n';
    const r = setTenantInText(text, 'acme', entry, opts);
    const cut = text.indexOf('}\n\t},') + 1;
    expect(r.text.slice(0, cut)).toBe(text.slice(0, cut));
    expect(r.text).toContain(',\n\t\t"acme": {\n\t\t  "name": "Acme",');
    expect(r.text.endsWith('\n\t},\n\t"defaults": { "readOnly": true }\n}\n')).toBe(true);
    expect(JSON.parse(r.text)).toEqual({ tenants: { b: { url: 'https://b.example', apiKey: 'env:B' }, acme: entry }, defaults: { readOnly: true } });
  });

  it('fills an empty tenants object and adds a missing "tenants" key', () => {
    expect(JSON.parse(setTenantInText('{ "tenants": {} }', 'acme', entry, opts).text)).toEqual({ tenants: { acme: entry } });
    const noTenants = setTenantInText('{\n  "$comment": "mine"\n}\n', 'acme', entry, opts).text;
    expect(noTenants.startsWith('{\n  "$comment": "mine",\n  "tenants": {\n    "acme": {')).toBe(true);
    expect(JSON.parse(noTenants)).toEqual({ $comment: 'mine', tenants: { acme: entry } });
    expect(JSON.parse(setTenantInText('{}', 'acme', entry, opts).text)).toEqual({ tenants: { acme: entry } });
  });

  it('is not fooled by braces, quotes and escapes inside strings, and keeps a byte order mark', () => {
    const text = '\uFEFF{"tenants":{"a":{"name":"x } \\" ] { \\\\","url":"https://a.example","apiKey":"env:A","tools":{"exclude":["rebuild"]}}}}';
    const r = setTenantInText(text, 'acme', entry, opts);
    expect(r.text.startsWith('\uFEFF{"tenants":{"a":{"name":"x } \\" ] { \\\\"')).toBe(true);
    expect(JSON.parse(r.text.slice(1))).toEqual({
      tenants: { a: { name: 'x } " ] { \\', url: 'https://a.example', apiKey: 'env:A', tools: { exclude: ['rebuild'] } }, acme: entry },
    });
  });

  it('refuses an existing id without force, and with force replaces that tenant only', () => {
    const text = '{\n  "tenants": {\n    "a": { "url": "https://a.example", "apiKey": "env:A" },\n    "acme": { "url": "https://old.example", "apiKey": "env:OLD" },\n    "z": { "url": "https://z.example", "apiKey": "env:Z" }\n  }\n}\n';
    expect(() => setTenantInText(text, 'acme', entry, opts)).toThrow(ConfigError);
    expect(() => setTenantInText(text, 'acme', entry, opts)).toThrow('/x/tenants.json already has a tenant "acme"; nothing was changed. Pass --force');
    const r = setTenantInText(text, 'acme', entry, { ...opts, force: true });
    expect(r.replaced).toBe(true);
    expect(r.text.split('\n')[2]).toBe(text.split('\n')[2]);
    expect(r.text.endsWith('    "z": { "url": "https://z.example", "apiKey": "env:Z" }\n  }\n}\n')).toBe(true);
    expect(Object.keys((JSON.parse(r.text) as { tenants: object }).tenants)).toEqual(['a', 'acme', 'z']);
    expect((JSON.parse(r.text) as { tenants: Record<string, unknown> }).tenants.acme).toEqual(entry);
  });

  it('refuses text that is not a JSON object, saying where', () => {
    expect(() => setTenantInText('{ "tenants": { ', 'acme', entry, opts)).toThrow(/not valid JSON at line 1, column \d+: .*nothing was written/);
    expect(() => setTenantInText('[]', 'acme', entry, opts)).toThrow('expected a JSON object at the top level');
    expect(() => setTenantInText('{ "tenants": [] }', 'acme', entry, opts)).toThrow('"tenants" must be an object of tenants by id');
  });

  it('adds or replaces exactly one tenant in any JSON layout (property)', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    // Ids start with a letter: JavaScript lists integer-like keys first, whatever the text's order.
    const idArb = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
    const tenantsArb = fc.dictionary(idArb, value, { maxKeys: 5 });
    const extraArb = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== 'tenants' && k !== '__proto__'), value, { maxKeys: 3 });
    fc.assert(
      fc.property(tenantsArb, extraArb, fc.constantFrom(0, 1, 2, 4, '\t'), idArb, fc.boolean(), (tenants, extra, indent, id, force) => {
        const file = { ...extra, tenants };
        const text = JSON.stringify(file, null, indent);
        const exists = Object.prototype.hasOwnProperty.call(tenants, id);
        if (exists && !force) {
          expect(() => setTenantInText(text, id, entry, { force, source: 'f' })).toThrow(ConfigError);
          return;
        }
        const r = setTenantInText(text, id, entry, { force, source: 'f' });
        expect(r.replaced).toBe(exists);
        const parsed = JSON.parse(r.text) as { tenants: Record<string, unknown> };
        // Through JSON, as the file holds it (JSON has no -0).
        expect(parsed).toEqual(JSON.parse(JSON.stringify({ ...extra, tenants: { ...tenants, [id]: entry } })));
        expect(Object.keys(parsed.tenants)).toEqual(exists ? Object.keys(tenants) : [...Object.keys(tenants), id]);
      }),
      { numRuns: 300 },
    );
  });
});
