/**
 * The EspoCRM versions the sandbox emulates: parsing `--espo-version X` and describing what differs for X.
 */
import { describe, expect, it } from 'vitest';
import { describeVersionBehaviour, parseSandboxVersion } from '../../src/sandbox/versions.js';

describe('parseSandboxVersion', () => {
  it('accepts 8.x and 9.x versions, normalised to MAJOR.MINOR.PATCH', () => {
    expect(parseSandboxVersion('8.0.5')).toBe('8.0.5');
    expect(parseSandboxVersion('8.1')).toBe('8.1.0');
    expect(parseSandboxVersion(' 8.4.2 ')).toBe('8.4.2');
    expect(parseSandboxVersion('9.1.7')).toBe('9.1.7');
    expect(parseSandboxVersion('9.2.0')).toBe('9.2.0');
  });

  it('refuses garbage and versions it does not emulate, saying what is accepted', () => {
    for (const bad of ['banana', '', '9', '9.1.7-beta', 'v9.1.7', '9.1.7.1', '8.x']) {
      expect(() => parseSandboxVersion(bad), bad).toThrow(/is not an EspoCRM version\. Accepted: 8\.0\.x, 8\.1\.x, 8\.2\.x to 8\.4\.x, 9\.x/);
    }
    expect(() => parseSandboxVersion('7.5.3')).toThrow(/EspoCRM 7\.5\.3 is not emulated: the sandbox emulates EspoCRM 8\.0 and later\. Accepted: 8\.0\.x/);
    expect(() => parseSandboxVersion('10.0.0')).toThrow(/EspoCRM 10\.0\.0 is not emulated: the sandbox does not emulate EspoCRM 10 or later/);
  });

  it('describes what the sandbox does differently for a version', () => {
    expect(describeVersionBehaviour('8.0.5')).toEqual([
      expect.stringMatching(/App\/about is a 404.*\(before 8\.1\)$/),
      expect.stringMatching(/Metadata\?key= ignores the key.*\(before 8\.2\)$/),
      expect.stringMatching(/stored under the name given.*\(before 8\.2\)$/),
    ]);
    expect(describeVersionBehaviour('8.1.0')[0]).toMatch(/App\/about answers .*\(since 8\.1\)$/);
    expect(describeVersionBehaviour('8.1.0')[2]).toMatch(/\(before 8\.2\)$/);
    expect(describeVersionBehaviour('9.1.7')).toEqual([
      expect.stringMatching(/\(since 8\.1\)$/),
      expect.stringMatching(/just that path \(since 8\.2\)$/),
      expect.stringMatching(/"c" prefix.*\(since 8\.2\)$/),
    ]);
  });
});
