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

/** What a plain stdio `serve` asks for: the options `runServe` takes. */
export interface PlainServe {
  config?: string;
  tenant?: string;
  readOnly: boolean;
}

/**
 * The command line an MCP client spawns: `serve` (or nothing) with `--config <path>`, `--tenant <id>`
 * (also as `--opt=value`) and `--read-only`, each at most once. Anything else (another command or
 * option, help, a repeated option, a value that is empty or looks like an option) is undefined: commander
 * parses it, with its messages, so both paths accept exactly the same plain lines.
 */
export function plainStdioServe(args: readonly string[]): PlainServe | undefined {
  const out: PlainServe = { readOnly: false };
  const seen = new Set<string>();
  for (let i = args[0] === 'serve' ? 1 : 0; i < args.length; i++) {
    let name = args[i]!;
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (name.startsWith('--') && eq > 2) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (seen.has(name)) return undefined;
    seen.add(name);
    if (name === '--read-only' && value === undefined) {
      out.readOnly = true;
    } else if (name === '--config' || name === '--tenant') {
      if (value === undefined) value = args[++i];
      if (value === undefined || value === '' || value.startsWith('-')) return undefined;
      if (name === '--config') out.config = value;
      else out.tenant = value;
    } else {
      return undefined;
    }
  }
  return out;
}
