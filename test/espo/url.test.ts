import { describe, expect, it } from 'vitest';
import { EspoUrlError, normalizeEspoUrl } from '../../src/espo/url.js';

describe('normalizeEspoUrl', () => {
  it.each([
    ['https://crm.example.com', 'https://crm.example.com'],
    ['https://crm.example.com/', 'https://crm.example.com'],
    ['https://crm.example.com/api/v1', 'https://crm.example.com'],
    ['https://crm.example.com/api/v1/', 'https://crm.example.com'],
    ['  https://crm.example.com//  ', 'https://crm.example.com'],
    ['https://x.com/crm/', 'https://x.com/crm'],
    ['https://x.com/crm', 'https://x.com/crm'],
    ['https://x.com/crm/api/v1', 'https://x.com/crm'],
    ['http://127.0.0.1:8080/api/v1/', 'http://127.0.0.1:8080'],
    ['HTTPS://CRM.Example.com:443/', 'https://crm.example.com'],
  ])('%s → siteUrl %s', (input, siteUrl) => {
    const u = normalizeEspoUrl(input);
    expect(u.siteUrl).toBe(siteUrl);
    expect(u.apiBase).toBe(`${siteUrl}/api/v1/`);
    expect(u.apiBase.endsWith('/api/v1/')).toBe(true);
    expect(u.origin).toBe(new URL(siteUrl).origin);
    expect(`${u.origin}${u.apiBasePath}`).toBe(u.apiBase);
  });

  it('keeps the subdirectory in the API base path', () => {
    expect(normalizeEspoUrl('https://x.com/tools/crm/api/v1').apiBasePath).toBe('/tools/crm/api/v1/');
    expect(normalizeEspoUrl('http://localhost:8080').apiBasePath).toBe('/api/v1/');
  });

  it.each([
    ['ftp://crm.example.com', /https:\/\//],
    ['file:///etc/passwd', /https:\/\//],
    ['crm.example.com', /not a valid absolute URL/],
    ['', /empty/],
    ['https://crm.example.com/?foo=bar', /query string/],
    ['https://crm.example.com/#Lead', /fragment/],
    ['https://crm.example.com/api/v1/Lead', /inside the API/],
  ])('refuses %s', (input, message) => {
    expect(() => normalizeEspoUrl(input)).toThrow(EspoUrlError);
    expect(() => normalizeEspoUrl(input)).toThrow(message);
  });

  it('refuses credentials in the URL without echoing them', () => {
    for (const input of ['https://admin:S3cretPw@crm.example.com/', 'admin:S3cretPw@crm.example.com']) {
      let error: unknown;
      try {
        normalizeEspoUrl(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EspoUrlError);
      expect((error as Error).message).not.toContain('S3cretPw');
    }
    expect(() => normalizeEspoUrl('https://admin:S3cretPw@crm.example.com/')).toThrow(/user name or password/);
  });

  it('does not echo a query string, which may carry a key', () => {
    expect(() => normalizeEspoUrl('https://crm.example.com/?apiKey=SECRETKEY')).toThrow(EspoUrlError);
    try {
      normalizeEspoUrl('https://crm.example.com/?apiKey=SECRETKEY');
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRETKEY');
    }
  });
});
