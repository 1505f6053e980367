/**
 * Reading an EspoCRM answer: the body as text (bounded in size), the headers flattened (cookies
 * dropped), and the text parsed the way EspoCRM writes it (JSON, or a raw PHP string).
 */
import { EspoError, type RequestContext } from './errors.js';

export async function readText(body: AsyncIterable<Buffer | string> & { destroy?: (err?: Error) => void }, max: number, ctx: RequestContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > max) {
      body.destroy?.();
      throw new EspoError({
        code: 'response_too_large',
        context: ctx,
        userMessage: `EspoCRM of tenant "${ctx.tenantId}" answered ${ctx.method} ${ctx.path} with more than ${Math.round(max / 1024 / 1024)} MiB; refused.`,
      });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || name === 'set-cookie') continue; // cookies may carry session tokens
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** JSON when it parses; the raw text otherwise (EspoCRM writes PHP strings raw); null when empty. */
export function parseBody(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
