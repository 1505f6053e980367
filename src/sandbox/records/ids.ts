/**
 * Record ids and timestamps as EspoCRM writes them. An id is PHP's `uniqid()` (8 hex digits of
 * seconds, 5 of microseconds) plus 4 random hex digits: 17 lower-hex characters that grow with time.
 */

/** 'YYYY-MM-DD HH:mm:ss' in UTC, EspoCRM's storage format for datetime fields. */
export function formatDateTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Parses 'YYYY-MM-DD HH:mm:ss' (UTC) back to epoch milliseconds; NaN when malformed. */
export function parseDateTime(value: string): number {
  return Date.parse(`${value.replace(' ', 'T')}Z`);
}

/** Builds an id for a moment given in microseconds since the epoch. */
export function idAt(epochMicros: number, random: () => number): string {
  const seconds = Math.floor(epochMicros / 1_000_000);
  const micros = epochMicros - seconds * 1_000_000;
  const suffix = Math.floor(random() * 0x10000);
  return (
    seconds.toString(16).padStart(8, '0') +
    micros.toString(16).padStart(5, '0') +
    suffix.toString(16).padStart(4, '0')
  );
}

/** Hands out strictly increasing ids even when the clock stands still (tests with a fixed `now`). */
export class IdGenerator {
  private lastMicros = 0;

  constructor(
    private readonly now: () => Date,
    private readonly random: () => number,
  ) {}

  next(): string {
    const micros = Math.max(this.now().getTime() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    return idAt(micros, this.random);
  }
}
