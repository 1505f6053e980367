export { RecordStore, type Actor, type CreateContext, type ListContext, type WriteOptions } from './store.js';
export { parsePhpQuery, readListParams, MAX_SIZE_LIMIT, type ListParams } from './query.js';
export { formatDateTime, idAt } from './ids.js';
export { fold } from './collation.js';
export { sanitizePhone, isValidPhone, isValidEmail } from './addresses.js';
