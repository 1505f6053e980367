import { describe, expect, it } from 'vitest';
import { allowedHostsFor, hostAllowed, isLoopbackAddress, originAllowed, ownOrigins } from '../../src/http/guards.js';
import { wwwAuthenticate } from '../../src/http/metadata.js';

describe('transport guards', () => {
  it("names the server's own origins on loopback only", () => {
    expect(ownOrigins('127.0.0.1', 3000)).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']);
    expect(ownOrigins('::1', 8080)).toContain('http://[::1]:8080');
    expect(ownOrigins('0.0.0.0', 3000)).toEqual([]);
    expect(ownOrigins('10.1.2.3', 3000)).toEqual([]);
  });

  it('knows loopback bind addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'LOCALHOST']) expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1']) expect(isLoopbackAddress(host), host).toBe(false);
  });

  it('accepts loopback names on loopback, adds allowedHosts and publicUrl, and checks nothing only when nothing is known', () => {
    expect(allowedHostsFor('127.0.0.1', undefined)).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHostsFor('0.0.0.0', { allowedHosts: ['mcp.example.com'], publicUrl: 'https://public.example.com:8443' })).toEqual([
      'mcp.example.com',
      'public.example.com:8443',
    ]);
    expect(allowedHostsFor('0.0.0.0', { allowedHosts: [] })).toBe('any');
  });

  it('matches the Host header by name, or by name and port when the entry has one', () => {
    const allowed = ['localhost', '127.0.0.1', '[::1]', 'mcp.internal:8443'];
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'LocalHost:3000', 'mcp.internal:8443']) {
      expect(hostAllowed(host, allowed), host).toBe(true);
    }
    for (const host of [undefined, '', 'evil.com', 'localhost.evil.com', 'localhost@evil.com', 'evil.com#localhost', 'mcp.internal', 'mcp.internal:9000', '127.0.0.2']) {
      expect(hostAllowed(host, allowed), String(host)).toBe(false);
    }
    expect(hostAllowed('anything.example', 'any')).toBe(true);
  });

  it('lets non-browsers through and browsers only from listed origins', () => {
    expect(originAllowed(undefined, [])).toBe(true);
    expect(originAllowed('https://chat.example.com', ['https://chat.example.com'])).toBe(true);
    expect(originAllowed('https://chat.example.com.evil.com', ['https://chat.example.com'])).toBe(false);
    expect(originAllowed('null', ['https://chat.example.com'])).toBe(false);
  });

  it('writes the RFC 6750 challenge without letting a reason break out of its quotes', () => {
    expect(wwwAuthenticate('https://mcp.example.com')).toBe('Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"');
    expect(wwwAuthenticate('https://m', { error: 'invalid_token', description: 'bad "x" \\ y' })).toBe(
      'Bearer resource_metadata="https://m/.well-known/oauth-protected-resource", error="invalid_token", error_description="bad \'x\' \' y"',
    );
  });
});
