import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSandboxCli } from '../../src/sandbox/main.js';
import { call } from './client.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sandbox CLI mode', () => {
  it('starts a sandbox, prints its URL and credentials and a working curl line, and stops cleanly', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const listenersBefore = process.listenerCount('SIGINT');
    const sandbox = await runSandboxCli({ port: 0, leads: 7, seed: 3 });
    try {
      const text = written.join('');
      const { admin, apiKey, hmac } = sandbox.credentials;
      for (const expected of [sandbox.url, sandbox.apiUrl, admin.username, admin.password, apiKey, hmac.apiKey, hmac.secret]) expect(text).toContain(expected);
      expect(text).toContain(`curl -s -H 'X-Api-Key: ${apiKey}'`);
      expect(process.listenerCount('SIGINT')).toBe(listenersBefore + 1);
      expect(((await call(sandbox, 'Lead?maxSize=0', { auth: 'api' })).json as { total: number }).total).toBe(7);
    } finally {
      await sandbox.close();
    }
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
  });
});
