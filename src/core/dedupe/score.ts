/**
 * Pair scoring. Each piece of evidence is a probability that the two records are the same; they
 * combine as a noisy OR (1 − Π(1 − p)). A shared email or phone is strong alone. A similar name (every
 * token equal or one typo away) is not: Girard and Giraud are one typo apart and two families, so it
 * counts only with a second signal (same company, same organisation email domain, same email or
 * phone). The very same name counts alone when at most one other field contradicts it (another
 * email, another phone, another company; for an organisation, another website rules it out): two
 * such differences make a namesake more likely than a duplicate.
 *
 * Conflicting identifiers: two people who both have an email and a phone, and share neither (emails
 * compared normalised, phones in E.164), are two people, whatever their names and company: a colleague
 * with the same name at the same company (even the same mail domain) is more likely than a duplicate
 * whose email and phone both changed. Their name evidence is then capped below the default minScore
 * (`P_NAME_CONFLICTING_IDS`), so they are linked only when the caller asks for weaker pairs, and then
 * say why they are doubtful. One identifier that differs with the other shared or missing (a changed
 * email) still leaves the name and company to decide. Organisations are left to their website: two
 * offices of one company have their own switchboard and mailbox.
 */
import { nameSimilarity, tokenSimilarity, type NameSimilarity } from './similarity.js';
import { companyTokens, organisationDomains, type RecordProfile } from './profile.js';
import type { NameKind } from './types.js';

/** Names at least this similar overall (Jaro-Winkler, token-aligned), and typo-level, are "similar". */
export const SIMILAR_NAME = 0.9;
// Company names below this are clearly another company (between the two: neither same nor other).
const OTHER_COMPANY = 0.85;
// A token pair this close means two names are variants, not two different people.
const CLOSE_TOKEN = 0.85;

// Probability-like weights of each kind of evidence.
const P_EMAIL = 0.95;
const P_PHONE = 0.9;
// A shared email or phone between names that differ in part (a maiden name, or a family inbox),
// or entirely (a generic inbox, a switchboard).
const P_EMAIL_NAMES_PARTLY = 0.75;
const P_PHONE_NAMES_PARTLY = 0.6;
const P_EMAIL_NAMES_DIFFER = 0.4;
const P_PHONE_NAMES_DIFFER = 0.3;
// Every token of the shorter name has a counterpart at least this close (an initial scores 0.8).
const AGREEING_TOKEN = 0.8;
const P_SAME_NAME_ALONE = 0.8;
const P_SAME_NAME_ONE_CONFLICT = 0.72;
const P_SIMILAR_NAME_ALONE = 0.6;
// A (similar) name, even with the same company, against another email and another phone: below the
// default minScore (0.7).
const P_NAME_CONFLICTING_IDS = 0.4;
/** The reason given to a pair whose emails and phones both differ. */
const CONFLICTING_IDENTIFIERS = 'conflicting identifiers: different email and different phone';

export type Conflict = 'company' | 'email' | 'phone' | 'website';
// An organisation's website identifies it: a different one is a different organisation.
const STRONG_CONFLICTS: readonly Conflict[] = ['website'];

export interface PairEvidence {
  score: number;
  sharedEmail: string | null;
  sharedPhone: string | null;
  /** Null when either record has no name. */
  name: NameSimilarity | null;
  sameCompany: boolean;
  sharedDomain: string | null;
  /**
   * With a shared email or phone, how the names compare: 'no' difference (or a typo, an initial, a
   * missing name), 'partly' (one token in common, another clearly different), 'fully' (no token close).
   */
  namesDiffer: 'no' | 'partly' | 'fully';
  /** Fields both records fill differently; looked at only when the names are similar. */
  conflicts: Conflict[];
  /** Same tokens and same structure (a first/last swap allowed, a reordered double surname not). */
  sameName: boolean;
  /**
   * People only: both have an email and a phone, and share neither (another email and another phone).
   * Looked at only when the names are similar.
   */
  conflictingIds: boolean;
  /** How the name evidence counted ('conflicting': capped by conflicting identifiers). */
  nameUse: 'none' | 'corroborated' | 'sameName' | 'weak' | 'conflicting';
}

function firstShared(a: readonly string[], b: readonly string[]): string | null {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    for (let j = 0; j < b.length; j++) if (b[j] === x) return x;
  }
  return null;
}

function hasCloseToken(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) for (const y of b) if (x.length > 1 && y.length > 1 && tokenSimilarity(x, y) >= CLOSE_TOKEN) return true;
  return false;
}

const NO_CONFLICTS: Conflict[] = [];

const isSimilar = (s: NameSimilarity): boolean => s.score >= SIMILAR_NAME && s.typoLevel;

export function emptyEvidence(): PairEvidence {
  return {
    score: 0, sharedEmail: null, sharedPhone: null, name: null, sameCompany: false, sharedDomain: null,
    namesDiffer: 'no', conflicts: NO_CONFLICTS, sameName: false, conflictingIds: false, nameUse: 'none',
  };
}

const companyScratch: NameSimilarity = { score: 0, sameTokens: false, minToken: 0, extraTokens: 0, typoLevel: false };

/**
 * Scores a pair into `out` (reused on the hot path) and returns the score. Callers pass the two
 * profiles in a fixed order (by id) so the result is reproducible. Evidence that cannot change the
 * outcome is skipped: company, domains and conflicts are looked at only when the names are similar.
 */
export function evaluatePair(a: RecordProfile, b: RecordProfile, nameKind: NameKind, out: PairEvidence, nameOut: NameSimilarity): number {
  const sharedEmail = a.emails.length && b.emails.length ? firstShared(a.emails, b.emails) : null;
  const sharedPhone = a.phones.length && b.phones.length ? firstShared(a.phones, b.phones) : null;
  const name = a.name.length && b.name.length ? nameSimilarity(a.name, b.name, nameOut) : null;
  // Only matters to weigh a shared email or phone.
  let namesDiffer: PairEvidence['namesDiffer'] = 'no';
  if ((sharedEmail !== null || sharedPhone !== null) && name !== null && name.minToken < AGREEING_TOKEN && !name.sameTokens) {
    namesDiffer = hasCloseToken(a.name, b.name) ? 'partly' : 'fully';
  }
  out.sharedEmail = sharedEmail;
  out.sharedPhone = sharedPhone;
  out.name = name;
  out.namesDiffer = namesDiffer;
  out.sameCompany = false;
  out.sharedDomain = null;
  out.conflicts = NO_CONFLICTS;
  out.sameName = false;
  out.conflictingIds = false;
  out.nameUse = 'none';

  let miss = 1;
  if (sharedEmail) miss *= 1 - (namesDiffer === 'no' ? P_EMAIL : namesDiffer === 'partly' ? P_EMAIL_NAMES_PARTLY : P_EMAIL_NAMES_DIFFER);
  if (sharedPhone) miss *= 1 - (namesDiffer === 'no' ? P_PHONE : namesDiffer === 'partly' ? P_PHONE_NAMES_PARTLY : P_PHONE_NAMES_DIFFER);
  if (name && isSimilar(name)) {
    const sharedDomain = firstShared(organisationDomains(a), organisationDomains(b));
    const conflicts: Conflict[] = [];
    let sameCompany = false;
    const companyA = companyTokens(a);
    const companyB = companyTokens(b);
    if (companyA.length && companyB.length) {
      const company = nameSimilarity(companyA, companyB, companyScratch);
      sameCompany = isSimilar(company);
      if (company.score < OTHER_COMPANY) conflicts.push('company');
    }
    if (a.emails.length && b.emails.length && !sharedEmail && !sharedDomain) conflicts.push('email');
    if (a.phones.length && b.phones.length && !sharedPhone) conflicts.push('phone');
    if (a.website && b.website && a.website !== b.website) conflicts.push('website');
    const strong = conflicts.some((c) => STRONG_CONFLICTS.includes(c));
    const sameName = name.sameTokens && a.nameKey === b.nameKey;
    // Another email (even at the same domain) and another phone: see the module comment.
    const conflictingIds =
      nameKind === 'person' && !sharedEmail && !sharedPhone &&
      a.emails.length > 0 && b.emails.length > 0 && a.phones.length > 0 && b.phones.length > 0;
    out.sharedDomain = sharedDomain;
    out.sameCompany = sameCompany;
    out.conflicts = conflicts;
    out.sameName = sameName;
    out.conflictingIds = conflictingIds;
    // A lone token (a surname only) is too common to count without a second signal.
    const enoughTokens = nameKind === 'company' || Math.min(a.name.length, b.name.length) >= 2;
    // A shared domain under two different company names contradicts itself: it corroborates nothing.
    const orgAgrees = !strong && !conflicts.includes('company') && (sameCompany || sharedDomain !== null);
    if (conflictingIds) {
      // The same company or mail domain, which would have linked them, now makes them a candidate
      // below the default threshold. (Without it their phones, and their emails unless at one
      // domain, are two contradictions: the name never counted.)
      if (orgAgrees) {
        out.nameUse = 'conflicting';
        miss *= 1 - P_NAME_CONFLICTING_IDS;
      }
    } else if (sharedEmail || sharedPhone || orgAgrees) {
      out.nameUse = 'corroborated';
      miss *= 0.5 - 0.5 * name.score;
    } else if (sameName && enoughTokens && !strong && conflicts.length <= 1) {
      out.nameUse = 'sameName';
      miss *= 1 - (conflicts.length === 0 ? P_SAME_NAME_ALONE : P_SAME_NAME_ONE_CONFLICT);
    } else if (conflicts.length === 0) {
      out.nameUse = 'weak';
      miss *= 1 - P_SIMILAR_NAME_ALONE;
    }
  }
  out.score = 1 - miss;
  return out.score;
}

/** Scores a pair into a fresh evidence object (for describing it). */
export function scorePair(a: RecordProfile, b: RecordProfile, nameKind: NameKind): PairEvidence {
  const out = emptyEvidence();
  evaluatePair(a, b, nameKind, out, { score: 0, sameTokens: false, minToken: 0, extraTokens: 0, typoLevel: false });
  return out;
}

/** Human-readable reasons for a scored pair, strongest first. */
export function describePair(e: PairEvidence, nameKind: NameKind): string[] {
  const reasons: string[] = [];
  const butNames = e.namesDiffer === 'fully' ? ' but different names' : e.namesDiffer === 'partly' ? ' but the names differ in part' : '';
  if (e.sharedEmail) reasons.push(`same email ${e.sharedEmail}${butNames}`);
  if (e.sharedPhone) reasons.push(`same phone ${e.sharedPhone}${butNames}`);
  if (e.name && e.nameUse !== 'none') {
    const what = e.sameName ? 'same name' : `similar name ${e.name.score.toFixed(2)}`;
    const also: string[] = [];
    if (e.sameCompany) also.push('same company');
    if (e.sharedDomain) also.push(nameKind === 'company' ? `same domain ${e.sharedDomain}` : `same email domain ${e.sharedDomain}`);
    if (e.nameUse === 'corroborated') reasons.push(also.length ? `${what} and ${also.join(' and ')}` : what);
    else if (e.nameUse === 'conflicting') reasons.push(`${also.length ? `${what} and ${also.join(' and ')}` : what}, but ${CONFLICTING_IDENTIFIERS}`);
    else if (e.nameUse === 'weak') reasons.push(`${what}, nothing else in common`);
    else if (e.conflicts.length === 0) reasons.push(`${what}, nothing contradicting`);
    else reasons.push(`${what}, but a different ${e.conflicts[0]}`);
  }
  return reasons;
}
