/** The recorded exchanges with EspoCRM 9.1.7 (test/fixtures/recorded), as the contract test reads them. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Body } from './shape.js';

export interface Exchange {
  index: number;
  name: string;
  method: string;
  /** includes `/api/v1` and the query string */
  path: string;
  requestHeaders: Record<string, string>;
  requestBody: unknown;
  status: number;
  statusReason: string;
  responseHeaders: Record<string, string>;
  responseBodySize: number;
  responseBody?: unknown;
  responseBodyFile?: string;
  note?: string;
}

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export function loadExchanges(): Exchange[] {
  return readFileSync(fixture('recorded/exchanges.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, index) => ({ index, ...(JSON.parse(line) as Omit<Exchange, 'index'>) }));
}

interface BodyFiles {
  bodies: Record<string, Record<string, unknown>>;
  paths: Record<string, Record<string, unknown>>;
}

/** Skeletons of the bodies kept in separate files (see test/fixtures/sandbox/recorded-body-files.json). */
export function loadBodyFiles(): BodyFiles {
  return JSON.parse(readFileSync(fixture('sandbox/recorded-body-files.json'), 'utf8')) as BodyFiles;
}

/** `X-Status-Reason` of a recorded response: undefined when absent, '' when present and empty. */
export function recordedReason(exchange: Exchange): string | undefined {
  const entry = Object.entries(exchange.responseHeaders).find(([name]) => name.toLowerCase() === 'x-status-reason');
  return entry?.[1];
}

export function recordedBody(exchange: Exchange, files: BodyFiles): Body {
  if (exchange.responseBodyFile) return { kind: 'json', value: files.bodies[exchange.responseBodyFile] };
  if (exchange.responseBodySize === 0) return { kind: 'empty' };
  return { kind: 'json', value: exchange.responseBody ?? null };
}

/** The records created behind the recorder's back, read from the later list responses. */
export function listedRecords(exchanges: Exchange[], name: string): Record<string, unknown>[] {
  const exchange = exchanges.find((e) => e.name === name);
  const body = exchange?.responseBody as { list?: Record<string, unknown>[] } | undefined;
  return body?.list ?? [];
}
