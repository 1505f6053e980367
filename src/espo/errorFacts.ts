/**
 * What an error message may take from an EspoCRM answer, made safe: the `X-Status-Reason`, a short
 * excerpt of a JSON `message`, the `messageTranslation`, a redirect target without its query. Also
 * the facts every status mapping (`responseErrors.ts`, `refusalErrors.ts`) reads, worked out once.
 */
import type { EspoMessageTranslation, RequestContext } from './errors.js';
import { isRecord } from '../core/values.js';

export interface ErrorResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON, raw text, or null. */
  body: unknown;
}

/** An answer and its request, with what a message may quote of them. */
export interface ResponseFacts {
  res: ErrorResponse;
  ctx: RequestContext;
  /** `X-Status-Reason`, sanitized: undefined when absent, '' when present but empty. */
  reason: string | undefined;
  translation: EspoMessageTranslation | undefined;
  bodyMessage: string | undefined;
  /** The fields every error built from this answer carries. */
  base: { status: number; reason: string | undefined; context: RequestContext; translation: EspoMessageTranslation | undefined };
  /** `tenant "x"`, for messages. */
  tenant: string;
  /** `GET Lead`, for messages. */
  request: string;
}

export function responseFacts(res: ErrorResponse, ctx: RequestContext): ResponseFacts {
  const rawReason = res.headers['x-status-reason'];
  const reason = rawReason === undefined ? undefined : sanitize(rawReason, 300);
  const translation = messageTranslation(res.body);
  return {
    res,
    ctx,
    reason,
    translation,
    bodyMessage: jsonMessage(res.body),
    base: { status: res.status, reason, context: ctx, translation },
    tenant: `tenant "${ctx.tenantId}"`,
    request: `${ctx.method} ${ctx.path}`,
  };
}

export { isRecord } from '../core/values.js';

function messageTranslation(body: unknown): EspoMessageTranslation | undefined {
  if (!isRecord(body) || !isRecord(body.messageTranslation)) return undefined;
  const t = body.messageTranslation;
  if (typeof t.label !== 'string') return undefined;
  return {
    label: sanitize(t.label, 100),
    scope: typeof t.scope === 'string' ? sanitize(t.scope, 100) : null,
    data: isRecord(t.data) ? t.data : {},
  };
}

/** A short, single-line excerpt of a JSON body's `message`; nothing else of a body is ever shown. */
function jsonMessage(body: unknown): string | undefined {
  if (!isRecord(body) || typeof body.message !== 'string') return undefined;
  const m = sanitize(body.message, 200);
  return m === '' ? undefined : m;
}

export function sanitize(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function safeLocation(location: string | undefined, origin: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    const u = new URL(location, origin);
    return sanitize(`${u.origin}${u.pathname}`, 200);
  } catch {
    return undefined;
  }
}

export function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
