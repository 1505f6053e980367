/**
 * The EspoCRM versions the sandbox can report, and what it does differently for each. The sandbox's
 * version-dependent behaviour (`SandboxState.versionAtLeast`) distinguishes three lines: before 8.1,
 * 8.1, and 8.2 or later; every 8.x and 9.x version falls in one of them. Kept free of imports so the
 * CLI can validate `--espo-version` without loading the sandbox.
 */

/** The version a sandbox reports unless told otherwise. */
export const DEFAULT_SANDBOX_VERSION = '9.1.7';

/** What the sandbox does differently by version, each from the version it appeared in. */
export const VERSION_DIFFERENCES: ReadonlyArray<{ since: string; change: string; before: string }> = [
  { since: '8.1', change: 'GET App/about answers { text, version }', before: 'GET App/about is a 404; the version is only in App/user' },
  { since: '8.2', change: 'GET Metadata?key=a.b returns just that path', before: 'GET Metadata?key= ignores the key and returns the whole metadata' },
  {
    since: '8.2',
    change: 'custom fields of standard entity types are stored with the "c" prefix: secteur -> cSecteur',
    before: 'custom fields are stored under the name given: secteur stays secteur',
  },
];

/** Version-dependent EspoCRM behaviour the sandbox does not vary: the same on every version it reports. */
export const SAME_ON_EVERY_VERSION: readonly string[] = [
  'HMAC signatures are accepted both as hex (EspoCRM 8.4.1+) and in the legacy binary form',
  'a Field Manager update without "type" fails, as before EspoCRM 10',
];

/** The accepted forms, for help texts and errors. */
export const ACCEPTED_VERSIONS =
  '8.0.x, 8.1.x, 8.2.x to 8.4.x, 9.x (MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 8.0.5, 8.1.0, 8.4.2, 9.1.7)';

const VERSION_RE = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/;

/**
 * A version the sandbox can report, normalised to MAJOR.MINOR.PATCH ("8.1" -> "8.1.0"). Throws an
 * Error saying what is accepted for anything else: 7.x and older (never emulated), 10.x (its Field
 * Manager update no longer needs `type`, which the sandbox does not emulate), pre-releases and garbage.
 */
export function parseSandboxVersion(value: string): string {
  const text = value.trim();
  const m = VERSION_RE.exec(text);
  const accepted = `Accepted: ${ACCEPTED_VERSIONS}.`;
  if (!m) throw new Error(`"${value}" is not an EspoCRM version. ${accepted}`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major < 8 || major > 9) {
    const why = major < 8 ? 'the sandbox emulates EspoCRM 8.0 and later' : 'the sandbox does not emulate EspoCRM 10 or later';
    throw new Error(`EspoCRM ${text} is not emulated: ${why}. ${accepted}`);
  }
  return `${major}.${minor}.${patch}`;
}

/** One line per difference: how a sandbox reporting `version` behaves. */
export function describeVersionBehaviour(version: string): string[] {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return VERSION_DIFFERENCES.map((d) => {
    const [sinceMajor = 0, sinceMinor = 0] = d.since.split('.').map(Number);
    const atLeast = major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
    return atLeast ? `${d.change} (since ${d.since})` : `${d.before} (before ${d.since})`;
  });
}
