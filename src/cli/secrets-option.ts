import { InvalidArgumentError } from 'commander';
import { parseSecretsTarget, SECRETS_TARGET_HELP, type SecretsTarget } from '../secrets/write.js';

/** The description of `--secrets <where>` (tenants add, set-secret, import-env). */
export const SECRETS_OPTION_HELP = `where the secrets go: ${SECRETS_TARGET_HELP}; a relative DIR is beside tenants.json`;

/** Commander's parser for `--secrets <where>`: `keychain`, `file:DIR` or `env`, else a clear error. */
export function parseSecretsOption(value: string): SecretsTarget {
  const target = parseSecretsTarget(value);
  if (!target) {
    throw new InvalidArgumentError(
      `Expected keychain, file:DIR or env (e.g. --secrets file:./secrets): ${SECRETS_TARGET_HELP}.`,
    );
  }
  return target;
}

/** How a target is written on the command line. */
export function secretsFlag(target: SecretsTarget): string {
  return target.kind === 'file' ? `--secrets file:${target.dir}` : `--secrets ${target.kind}`;
}
