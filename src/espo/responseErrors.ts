/**
 * Maps an EspoCRM answer that is not 2xx to a typed error: one small function per status (family),
 * each reading the status, `X-Status-Reason` and a sanitized excerpt of the body. 401 and 403 are
 * in `refusalErrors.ts`.
 */
import {
  EspoConflictError,
  EspoError,
  EspoNotFoundError,
  EspoServerError,
  EspoUnavailableError,
  EspoValidationError,
  type RequestContext,
} from './errors.js';
import { isRecord, responseFacts, safeLocation, sanitize, type ErrorResponse, type ResponseFacts } from './errorFacts.js';
import { authError, forbiddenError } from './refusalErrors.js';

export function errorFromResponse(res: ErrorResponse, ctx: RequestContext): EspoError {
  const f = responseFacts(res, ctx);
  switch (res.status) {
    case 401: return authError(f);
    case 403: return forbiddenError(f);
    case 404: return notFoundError(f);
    case 409: return conflictError(f);
    case 400: return badRequestError(f);
    case 500: return serverError(f);
    case 503: return unavailableError(f);
    case 502:
    case 504: return gatewayError(f);
  }
  if (res.status >= 300 && res.status < 400) return redirectError(f);
  return unexpectedStatusError(f);
}

/** 404: no such record, or no such route (EspoCRM names the record in the reason). */
function notFoundError({ reason, base, tenant, request }: ResponseFacts): EspoNotFoundError {
  return new EspoNotFoundError({
    ...base,
    code: 'not_found',
    userMessage: reason
      ? `Not found in EspoCRM of ${tenant}: ${reason}`
      : `EspoCRM of ${tenant} has no such route or record (${request} answered 404).`,
  });
}

/** 409: a duplicate record, a stale version, an existing field, or another conflict. */
function conflictError(f: ResponseFacts): EspoConflictError {
  const { reason, translation, base, tenant } = f;
  if (reason === 'duplicate') return duplicateError(f);
  if (reason === 'modified') {
    return new EspoConflictError({
      ...base,
      code: 'modified',
      conflict: 'modified',
      userMessage: `The record was changed in EspoCRM of ${tenant} since it was read (409). Read it again and reapply the change.`,
    });
  }
  if (translation?.label === 'fieldAlreadyExists') return fieldExistsError(f, translation.data);
  return new EspoConflictError({
    ...base,
    code: 'conflict',
    conflict: 'other',
    userMessage: `EspoCRM of ${tenant} reported a conflict (409)${reason ? `: ${reason}` : ''}.`,
  });
}

/** 409 `duplicate`: the body lists the records EspoCRM matched. */
function duplicateError({ res, base, tenant }: ResponseFacts): EspoConflictError {
  const duplicates = Array.isArray(res.body) ? res.body.filter(isRecord) : [];
  const ids = duplicates.map((d) => (typeof d.id === 'string' ? sanitize(d.id, 40) : '?'));
  return new EspoConflictError({
    ...base,
    code: 'duplicate',
    conflict: 'duplicate',
    duplicates,
    userMessage:
      `EspoCRM of ${tenant} found ${duplicates.length} existing record(s) that look like duplicates (same name or email address)` +
      `${ids.length ? `: ${ids.join(', ')}` : ''}. Review or merge them, or create the record with the duplicate check skipped.`,
  });
}

/** 409 with the `fieldAlreadyExists` translation: its data names the field and the entity. */
function fieldExistsError({ base, tenant }: ResponseFacts, data: Record<string, unknown>): EspoConflictError {
  const field = typeof data.field === 'string' ? sanitize(data.field, 60) : undefined;
  const entity = typeof data.entityType === 'string' ? sanitize(data.entityType, 60) : undefined;
  return new EspoConflictError({
    ...base,
    code: 'field_exists',
    conflict: 'fieldAlreadyExists',
    userMessage: `The field ${field ? `"${field}" ` : ''}already exists${entity ? ` in ${entity}` : ''} (EspoCRM of ${tenant}). Choose another name, or update the existing field.`,
  });
}

/** 400: a field validation failure (EspoCRM names entity, field and rule in the reason), or a bad request. */
function badRequestError({ reason, bodyMessage, base, tenant, request }: ResponseFacts): EspoValidationError {
  const v = reason ? /Field validation failure; entityType: ([^,]+), field: ([^,]+), type: ([^.]+)\./.exec(reason) : null;
  if (v) {
    const [, entityType, field, validation] = v;
    return new EspoValidationError({
      ...base,
      code: 'validation_failed',
      entityType, field, validation,
      userMessage: `EspoCRM of ${tenant} rejected the value of field "${field}" on ${entityType}: ${describeValidation(validation ?? '')}.`,
    });
  }
  return new EspoValidationError({
    ...base,
    code: 'bad_request',
    userMessage: reason
      ? `EspoCRM of ${tenant} rejected ${request} as invalid (400): ${reason}`
      : `EspoCRM of ${tenant} rejected ${request} as invalid (400) without giving a reason${bodyMessage ? `: ${bodyMessage}` : ''}.`,
  });
}

function describeValidation(type: string): string {
  switch (type) {
    case 'valid': return 'the value is not valid (e.g. not one of the allowed options, or a malformed phone number)';
    case 'required': return 'a value is required';
    case 'maxLength': return 'the value is too long';
    case 'emailAddress': return 'not a valid email address';
    case 'phoneNumber': return 'not a valid phone number';
    case 'max': return 'the value is above the maximum';
    case 'min': return 'the value is below the minimum';
    case 'pattern': return 'the value does not match the required pattern';
    case 'maxCount': return 'too many items';
    default: return `validation "${sanitize(type, 40)}" failed`;
  }
}

/** 500: EspoCRM's `Error` exception (reason set) or an uncaught failure (no reason). */
function serverError({ reason, bodyMessage, base, tenant, request }: ResponseFacts): EspoServerError {
  return new EspoServerError({
    ...base,
    code: 'server_error',
    userMessage: reason
      ? `EspoCRM of ${tenant} failed on ${request} (500): ${reason}`
      : `EspoCRM of ${tenant} failed on ${request} with an internal error (500) and gave no reason${bodyMessage ? ` (${bodyMessage})` : ''}. ` +
        'Common causes: a field update without "type", an invalid JSON body. The EspoCRM log (data/logs) has the detail.',
  });
}

/** 503: maintenance mode, or EspoCRM otherwise unavailable. */
function unavailableError({ reason, bodyMessage, base, tenant }: ResponseFacts): EspoUnavailableError {
  const why = reason || bodyMessage;
  return new EspoUnavailableError({
    ...base,
    code: 'unavailable',
    userMessage: `EspoCRM of ${tenant} is unavailable (503)${why ? `: ${why}` : ''}. In maintenance mode only admin users get in; otherwise try again later.`,
  });
}

/** 502/504 from a proxy in front of EspoCRM. */
function gatewayError({ res, base, tenant }: ResponseFacts): EspoUnavailableError {
  return new EspoUnavailableError({
    ...base,
    code: 'gateway_error',
    userMessage: `A proxy in front of EspoCRM of ${tenant} answered ${res.status}: EspoCRM is down or did not answer in time. Try again later.`,
  });
}

/** 3xx: the tenant URL points at a redirect (the target is shown without its query). */
function redirectError({ res, ctx, base, tenant, request }: ResponseFacts): EspoError {
  const location = safeLocation(res.headers.location, ctx.origin);
  return new EspoError({
    ...base,
    code: 'redirect',
    userMessage:
      `EspoCRM of ${tenant} redirected ${request} (${res.status})${location ? ` to ${location}` : ''}. ` +
      'Set the tenant URL to the address it redirects to (often https:// instead of http://, or with/without "www.").',
  });
}

/** Any other status; only 429 is worth retrying. */
function unexpectedStatusError({ res, reason, base, tenant, request }: ResponseFacts): EspoError {
  return new EspoError({
    ...base,
    code: 'unexpected_status',
    retryable: res.status === 429,
    userMessage: `EspoCRM of ${tenant} answered ${request} with an unexpected status ${res.status}${reason ? `: ${reason}` : ''}.`,
  });
}
