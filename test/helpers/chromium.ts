/**
 * Headless Chromium for the dashboard's browser tests: Debian's `chromium` package driven by
 * playwright-core (its own browser download cannot work offline). Required in CI (.ci/run installs
 * it); elsewhere a missing browser skips the tests that need it, saying why.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. In CI a missing browser is a failure, not a skip. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const why = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`the dashboard's browser tests need Chromium in CI: ${why}`);
  return why;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}
