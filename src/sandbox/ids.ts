/** EspoCRM-like identifiers, secrets and timestamps. */
import { randomBytes } from 'node:crypto';

/** 17 hex characters, like EspoCRM's ids (time-ordered prefix, random tail). */
export function newEntityId(now: Date = new Date()): string {
  const time = Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0').slice(-8);
  return time + randomBytes(5).toString('hex').slice(0, 9);
}

/** A random secret of `bytes` bytes as hex (API keys, HMAC secrets, tokens, passwords). */
export function randomSecret(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, EspoCRM's datetime format. */
export function espoDateTime(date: Date = new Date()): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
