/** What a command line asks for, before commander parses it (which commands to register). */

/** Serve's own options that take a value (the word after them is not a command). */
const SERVE_VALUE_OPTIONS = new Set(['--config', '--tenant', '--port', '--host', '--health-every']);

/**
 * Whether the command line runs `serve` (named, or the default: options only) and asks for no help:
 * then the other commands need not be registered.
 */
export function servesOnly(args: readonly string[]): boolean {
  if (args.some((a) => a === '--help' || a === '-h')) return false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return true;
    if (a.startsWith('-')) {
      if (SERVE_VALUE_OPTIONS.has(a)) i += 1;
      continue;
    }
    return a === 'serve';
  }
  return true;
}
