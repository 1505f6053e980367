/** The EspoCRM client: one per tenant. */
export { EspoClient, parseBody, type EspoClientOptions } from './client.js';
export * from './errors.js';
export { normalizeEspoUrl, EspoUrlError, type EspoUrl } from './url.js';
export { hmacAuthorization, signedPath } from './hmac.js';
export { encodeQuery, listQuery, type ListParams, type WhereItem, type QueryParams, type QueryValue } from './query.js';
export type { EspoAuthMode, EspoRequest, EspoResponse, HttpMethod } from './types.js';
export * from './api/index.js';
