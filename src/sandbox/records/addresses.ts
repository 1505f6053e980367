/**
 * Email and phone values as EspoCRM 9 sanitizes and validates them. Phones: a number starting with
 * `+` is parsed and stored in E.164 (`+1 (555) 010-0003` → `+15550100003`); a number without `+`
 * stays as typed and then fails validation, because the instance runs with phoneNumberInternational
 * (recorded: `555.010.0003` → 400). Emails: trimmed, checked like PHP's FILTER_VALIDATE_EMAIL.
 */
import { parsePhoneNumberWithError } from 'libphonenumber-js';

const PHONE_LOOSE = /^[0-9A-Za-z_@:#+()\-. ]+$/;
const EMAIL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function sanitizePhone(value: string): string {
  const trimmed = value.trim();
  if (!trimmed.startsWith('+')) return trimmed;
  try {
    return parsePhoneNumberWithError(trimmed, { extract: false }).number;
  } catch {
    return trimmed;
  }
}

/** EspoCRM's PhoneType::isValidNumber with phoneNumberInternational on (after sanitizing). */
export function isValidPhone(value: string): boolean {
  if (value === '' || !PHONE_LOOSE.test(value)) return false;
  try {
    const parsed = parsePhoneNumberWithError(value, { extract: false });
    return parsed.number === value && parsed.isPossible();
  } catch {
    return false;
  }
}

export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}
