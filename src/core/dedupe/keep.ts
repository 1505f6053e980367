/** Which record of a cluster to keep: the most complete, then the oldest, then the lowest id. */
import type { RecordProfile } from './profile.js';

interface KeepCandidate {
  id: string;
  filled: number;
  createdAt: string | null;
}

function byPreference(a: KeepCandidate, b: KeepCandidate): number {
  if (a.filled !== b.filled) return b.filled - a.filled;
  // EspoCRM's "YYYY-MM-DD HH:MM:SS" sorts chronologically as text; a missing date sorts last.
  if (a.createdAt !== b.createdAt) {
    if (a.createdAt === null) return 1;
    if (b.createdAt === null) return -1;
    return a.createdAt < b.createdAt ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function chooseKeep(members: readonly (RecordProfile | KeepCandidate)[]): { id: string; why: string } {
  const ranked = [...members].sort(byPreference);
  const best = ranked[0];
  const next = ranked[1];
  if (!best) throw new Error('chooseKeep: no records');
  if (!next) return { id: best.id, why: 'only record' };
  if (best.filled > next.filled) return { id: best.id, why: `most complete (${best.filled} filled fields, next best ${next.filled})` };
  if (best.createdAt !== next.createdAt && best.createdAt !== null) {
    return { id: best.id, why: `as complete as the others (${best.filled} filled fields) and oldest (created ${best.createdAt})` };
  }
  return { id: best.id, why: `as complete and as old as the others (${best.filled} filled fields); first by id` };
}
