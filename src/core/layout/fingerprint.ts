/** A fingerprint of layout JSON, so a plan can carry the base it was made on and detect a change. */

import { createHash } from 'node:crypto';
import { canonicalJson } from './json.js';

/**
 * sha256 (hex) of the canonical JSON (keys sorted at every level): two layouts that differ only in
 * key order have the same fingerprint; any other difference changes it.
 */
export function layoutFingerprint(json: unknown): string {
  return createHash('sha256').update(canonicalJson(json)).digest('hex');
}
