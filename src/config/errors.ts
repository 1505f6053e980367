/**
 * The configuration cannot be used. Each problem names where (a JSON path such as
 * `tenants.damath.url`, or an environment variable), what was found and what is expected.
 * Messages never contain a secret value.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  /** The config file or `environment`, when the problem is in one. */
  readonly source?: string;

  constructor(problems: string | string[], opts: { source?: string } = {}) {
    const list = Array.isArray(problems) ? problems : [problems];
    super(formatMessage(list, opts.source));
    this.name = 'ConfigError';
    this.problems = list;
    this.source = opts.source;
  }
}

function formatMessage(problems: string[], source: string | undefined): string {
  if (!source) return problems.join('\n');
  if (problems.length === 1) return `invalid configuration in ${source}: ${problems[0]}`;
  return `invalid configuration in ${source} (${problems.length} problems):\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}
