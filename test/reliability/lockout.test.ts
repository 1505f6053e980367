/**
 * Lockout safety: EspoCRM locks an IP out after 10 failed logins a minute. Whatever sequence of tool
 * calls runs on a tenant whose admin password is wrong (a property over random sequences of every
 * tool, interleaved with a healthy tenant), at most one password login reaches its CRM per cooling
 * period, every failure says the password was refused and how to fix it, and the healthy tenant works.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTools } from '../../src/tools/catalog.js';
import { isPasswordAttempt, startHarness, type Harness } from '../helpers/harness.js';
import { SAMPLES, plainArgs } from './samples.js';
import { recordFigures, table } from './figures.js';

const SEED = 424242;
const RUNS = 60;
const COOLDOWN_MS = 60_000; // the client's default cooling period for a refused password

describe('lockout safety', () => {
  let h: Harness;
  const figures = { sequences: 0, calls: 0, callsOnWrongPassword: 0, passwordErrors: 0, passwordAttempts: 0, lockouts: 0 };
  beforeAll(async () => {
    h = await startHarness([
      // Lockout after 3 failures (EspoCRM: 10), so that any repeated attempt would show as a 403.
      { id: 'wrongpw', adminPassword: 'not-the-password', sandbox: { leads: 4, contacts: 2, accounts: 2, lockout: { maxFailed: 3, windowMs: 60_000 } } },
      { id: 'fine', sandbox: { leads: 4, contacts: 2, accounts: 2 } },
    ]);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('no sequence of calls makes more than one login attempt per cooling period', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const names = allTools().map((t) => t.name);
    for (const name of names) expect(SAMPLES[name], `no sample arguments for ${name}`).toBeDefined();
    const step = fc.record({ tool: fc.constantFrom(...names), tenant: fc.constantFrom('wrongpw', 'wrongpw', 'fine') });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        figures.sequences++;
        for (const { tool, tenant } of steps) {
          // The plain sample call: its preparation would need the admin login this tenant lacks.
          const args = plainArgs(tool, tenant);
          const res = await h.call(tool, args);
          figures.calls++;
          expect(res.text).not.toMatch(/Unexpected error in/);
          if (tenant !== 'wrongpw') continue;
          figures.callsOnWrongPassword++;
          const fleet = res.structured.summary as { ok?: number; total?: number } | undefined;
          const failed = res.isError || (tool === 'check_tenant' && res.structured.ok === false) || (tool === 'check_tenants' && fleet !== undefined && fleet.ok !== fleet.total);
          // A failure about the login says the password was refused and how to fix it (never "locked out");
          // others (an unknown changeId, a record that does not exist) are about the arguments.
          if (failed && /admin login|password|locked/i.test(res.text)) {
            figures.passwordErrors++;
            expect(res.text, `${tool}: ${res.text.slice(0, 300)}`).toMatch(/refused the admin login \(user "admin"\): wrong user name or password/);
            expect(res.text).toMatch(/tenants set-secret wrongpw admin\.password/);
            expect(res.text).not.toMatch(/locked this IP/);
          }
        }
        const attempts = h.sandboxes.wrongpw!.requests.filter(isPasswordAttempt);
        const periods = 1 + Math.floor((Date.now() - started) / COOLDOWN_MS);
        expect(attempts.length).toBeLessThanOrEqual(periods);
        expect(attempts.filter((r) => r.status === 403)).toEqual([]);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    const attempts = h.sandboxes.wrongpw!.requests.filter(isPasswordAttempt);
    figures.passwordAttempts = attempts.length;
    figures.lockouts = attempts.filter((r) => r.status === 403).length;
    expect(attempts.length).toBeGreaterThanOrEqual(1); // the property did reach the login
    expect(figures.passwordErrors).toBeGreaterThan(figures.callsOnWrongPassword / 2);
    expect(h.sandboxes.fine!.requests.filter(isPasswordAttempt).every((r) => r.status === 200)).toBe(true);
  });

  it('records the figures', () => {
    const markdown = [
      `fast-check, seed ${SEED}, ${RUNS} random sequences of 1 to 8 calls over every tool, two thirds of them on a tenant with a wrong admin password.`,
      '',
      table(
        ['sequences', 'calls', 'calls on the wrong-password tenant', 'of which "password refused" errors', 'password logins that reached its CRM', 'lockouts (403)'],
        [[figures.sequences, figures.calls, figures.callsOnWrongPassword, figures.passwordErrors, figures.passwordAttempts, figures.lockouts]],
      ),
    ].join('\n');
    recordFigures('lockout', figures, markdown);
  });
});
