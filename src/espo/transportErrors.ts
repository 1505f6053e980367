/**
 * Maps a failure without a (complete) answer to a typed error: undici and system error codes (DNS,
 * refused or reset connections, TLS, the connect/headers/body timeouts), and the request's deadline.
 */
import { EspoNetworkError, EspoTimeoutError, type RequestContext } from './errors.js';
import { formatSeconds, isRecord } from './errorFacts.js';

/** Maps an undici / system error to a typed error. `timeoutMs` is the limit that applied, if known. */
export function errorFromTransport(err: unknown, ctx: RequestContext, timeouts: { connectMs?: number; headersMs?: number; bodyMs?: number } = {}): EspoNetworkError {
  const code = errorCode(err);
  const where = ctx.origin ? ` (${ctx.origin})` : '';
  const tenant = `tenant "${ctx.tenantId}"`;
  const base = { context: ctx, errorCode: code, cause: err };
  const secs = (ms: number | undefined) => (ms === undefined ? '' : ` within ${formatSeconds(ms)}`);

  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'connect', timeoutMs: timeouts.connectMs, retryable: true,
        userMessage: `Could not connect to EspoCRM of ${tenant}${where}${secs(timeouts.connectMs)}: the host does not answer. Check the URL, the network, and any firewall.`,
      });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'headers', timeoutMs: timeouts.headersMs, retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} accepted the connection but did not answer ${ctx.method} ${ctx.path}${secs(timeouts.headersMs)}. It may be overloaded or stuck; try again later.`,
      });
    case 'UND_ERR_BODY_TIMEOUT':
      return new EspoTimeoutError({
        ...base, code: 'timeout', phase: 'body', timeoutMs: timeouts.bodyMs, retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} started answering ${ctx.method} ${ctx.path} but the answer stalled${timeouts.bodyMs === undefined ? '' : ` for ${formatSeconds(timeouts.bodyMs)}`}. Try again later.`,
      });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new EspoNetworkError({
        ...base, code: 'dns', phase: 'dns', retryable: code === 'EAI_AGAIN',
        userMessage: `The host name of EspoCRM of ${tenant}${where} could not be resolved (DNS ${code}). Check the tenant URL.`,
      });
    case 'ECONNREFUSED':
      return new EspoNetworkError({
        ...base, code: 'connection_refused', phase: 'connect', retryable: true,
        userMessage: `The connection to EspoCRM of ${tenant}${where} was refused: nothing listens on that address and port. Check the URL (scheme and port) and that the web server runs.`,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new EspoNetworkError({
        ...base, code: 'unreachable', phase: 'connect', retryable: true,
        userMessage: `EspoCRM of ${tenant}${where} is unreachable from here (${code}). Check the network and the URL.`,
      });
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return new EspoNetworkError({
        ...base, code: 'connection_reset', phase: 'exchange', retryable: true,
        userMessage: `The connection to EspoCRM of ${tenant}${where} was closed before ${ctx.method} ${ctx.path} got a complete answer (${code}). Try again.`,
      });
    default:
      if (code && TLS_CODES.test(code)) {
        return new EspoNetworkError({
          ...base, code: 'tls', phase: 'tls', retryable: false,
          userMessage: `The TLS certificate of EspoCRM of ${tenant}${where} could not be verified (${code}). Fix the certificate on the server, or check that the URL names the right host.`,
        });
      }
      return new EspoNetworkError({
        ...base, code: 'network', phase: 'exchange', retryable: true,
        userMessage: `The request ${ctx.method} ${ctx.path} to EspoCRM of ${tenant}${where} failed before an answer came${code ? ` (${code})` : ''}.`,
      });
  }
}

/** The request's overall deadline (`timeoutMs`) passed. */
export function deadlineError(ctx: RequestContext, timeoutMs: number): EspoTimeoutError {
  return new EspoTimeoutError({
    code: 'timeout', phase: 'deadline', timeoutMs, retryable: false, context: ctx,
    userMessage: `${ctx.method} ${ctx.path} on EspoCRM of tenant "${ctx.tenantId}" did not complete within ${formatSeconds(timeoutMs)}.`,
  });
}

const TLS_CODES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ERR_TLS/;

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; isRecord(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}
