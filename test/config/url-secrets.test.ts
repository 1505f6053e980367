/**
 * Configuration errors about a URL never repeat what may be a secret in it: the user name and password
 * (`http://admin:secret@…`), a query string (`?api_key=…`) or a fragment, whether or not the URL parses,
 * for a tenant's `url`, the `.env` convention's ESPO_BASE_URL and `http.publicUrl`.
 */
import { describe, expect, it } from 'vitest';
import { validateTenantsFile } from '../../src/config/validate.js';
import { tenantsFromEnv } from '../../src/config/env-convention.js';
import { describeUrl } from '../../src/config/messages.js';

const SECRET = 'Sup3rSecretCanary';

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected a configuration error');
};

const BAD_URLS = [
  `http://admin:${SECRET}@crm.example.com:99999`, // port out of range: does not parse
  `http://admin:${SECRET}@crm.example.com`, // parses, has credentials
  `https://crm.example.com/?api_key=${SECRET}`, // query
  `https://crm.example.com/#${SECRET}`, // fragment
  `ftp://admin:${SECRET}@crm.example.com`, // wrong scheme
  `crm.example.com?token=${SECRET}`, // no scheme
  `admin:${SECRET}@crm example com`, // garbage with credentials
];

describe('URLs in configuration errors', () => {
  it('describeUrl drops user info, query and fragment, and says so', () => {
    expect(describeUrl(`http://admin:${SECRET}@host:99999/x?k=${SECRET}#f`)).toBe('"http://host:99999/x" (its user name, password, query or fragment not shown)');
    expect(describeUrl('https://crm.example.com/api/v1')).toBe('"https://crm.example.com/api/v1"');
  });

  for (const url of BAD_URLS) {
    it(`a tenant url ${url.replace(SECRET, '<secret>')} is refused without the secret`, () => {
      const message = messageOf(() => validateTenantsFile({ tenants: { acme: { url, apiKey: 'env:K' } } }, { source: 'tenants.json', baseDir: '/tmp' }));
      expect(message).toMatch(/tenants\.acme\.url/);
      expect(message).not.toContain(SECRET);
    });
  }

  it('ESPO_BASE_URL of the .env convention is refused without the secret', () => {
    for (const url of BAD_URLS) {
      const message = messageOf(() => tenantsFromEnv({ ESPO_BASE_URL: url, ESPO_API_KEY: 'k' }, '/tmp'));
      expect(message, url).not.toContain(SECRET);
    }
  });

  it('http.publicUrl is refused without the secret', () => {
    for (const publicUrl of BAD_URLS) {
      const message = messageOf(() =>
        validateTenantsFile({ tenants: { acme: { url: 'https://crm.example.com', apiKey: 'env:K' } }, http: { publicUrl, tokens: [{ name: 'a', token: 'env:T', tenants: '*' }] } }, { source: 'tenants.json', baseDir: '/tmp' }),
      );
      expect(message, publicUrl).toMatch(/publicUrl/);
      expect(message, publicUrl).not.toContain(SECRET);
    }
  });
});
