#!/usr/bin/env node
/**
 * Writes docs/blueprint.schema.json, the published JSON Schema of a blueprint, from the built zod
 * schema (`npm run docs:blueprint-schema` builds first). `--check` writes nothing and exits 1 when
 * the file is stale (test/core/blueprint/schema.test.ts checks the same from the sources).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { blueprintJsonSchemaText, BLUEPRINT_SCHEMA_PATH } = await import(path.join(root, 'dist', 'core', 'blueprint', 'schema.js'));
const target = path.join(root, BLUEPRINT_SCHEMA_PATH);
const text = blueprintJsonSchemaText();
if (process.argv.includes('--check')) {
  const current = await readFile(target, 'utf8').catch(() => '');
  if (current !== text) {
    process.stderr.write(`${BLUEPRINT_SCHEMA_PATH} is stale: run npm run docs:blueprint-schema\n`);
    process.exit(1);
  }
} else {
  await writeFile(target, text);
  process.stderr.write(`wrote ${BLUEPRINT_SCHEMA_PATH}\n`);
}
