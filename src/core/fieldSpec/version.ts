/**
 * EspoCRM version differences that matter to field work (docs/espocrm.md, "Versions"). Versions
 * come from the tenant (`App/user` or `App/about`) as "9.1.7", "8.1.0", "10.0.0-beta"...
 */

export interface EspoVersion {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release tag ("beta", "rc.1"), empty for a release. */
  pre: string;
}

export interface EspoFeatures {
  /** New custom fields on standard entity types get the `c` prefix (8.2+). */
  customPrefix: boolean;
  /** `GET Metadata?key=...` returns just that path (8.2+). */
  metadataKey: boolean;
  /** A Field Manager update without `type` fails (before 10.0). */
  updateNeedsType: boolean;
  /** `GET App/about` exists (8.1+). */
  appAbout: boolean;
}

const VERSION_RE = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses "9.1.7", "8.2", "v10.0.0-beta", "9.1.7+build"; `null` for anything else. */
export function parseEspoVersion(version: string): EspoVersion | null {
  const m = VERSION_RE.exec(version.trim());
  if (!m) return null;
  return { major: Number(m[1]), minor: Number(m[2] ?? 0), patch: Number(m[3] ?? 0), pre: m[4] ?? '' };
}

/** Semver order: negative when a < b. A pre-release sorts before its release (10.0.0-beta < 10.0.0). */
export function compareEspoVersions(a: EspoVersion, b: EspoVersion): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** a >= major.minor, looking at the release line only: a 10.0.0 pre-release already behaves like 10.0. */
function atLeast(v: EspoVersion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** The 9.x behaviour the recordings were made with; used when the version is missing or unreadable. */
const BASELINE: EspoFeatures = { customPrefix: true, metadataKey: true, updateNeedsType: true, appAbout: true };

/**
 * The features of a version. A missing or unreadable version gets the 9.x baseline: the handler
 * verifies every write by reading it back, so a wrong guess surfaces there.
 */
export function espoFeatures(version: string | undefined): EspoFeatures {
  const v = version === undefined ? null : parseEspoVersion(version);
  if (!v) return { ...BASELINE };
  return {
    customPrefix: atLeast(v, 8, 2),
    metadataKey: atLeast(v, 8, 2),
    updateNeedsType: !atLeast(v, 10, 0),
    appAbout: atLeast(v, 8, 1),
  };
}
