// Region codes ICU knows that are not countries (or are user-assigned/pseudo regions).
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB']);

let regionNames: Intl.DisplayNames | undefined;

/**
 * Checks an ISO 3166-1 alpha-2 code with the runtime's own region data (no extra dependency).
 * Returns the canonical upper-case code, or a replacement to suggest ("UK" -> "GB"), or nothing.
 */
export function checkCountryCode(code: string): { ok: true; code: string } | { ok: false; suggestion?: string } {
  if (!/^[A-Za-z]{2}$/.test(code)) return { ok: false };
  const upper = code.toUpperCase();
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(`und-${upper}`)[0]!.slice(4);
  } catch {
    return { ok: false };
  }
  regionNames ??= new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const known = !NOT_COUNTRIES.has(canonical) && regionNames.of(canonical) !== undefined;
  if (!known) return { ok: false };
  return canonical === upper ? { ok: true, code: upper } : { ok: false, suggestion: canonical };
}
