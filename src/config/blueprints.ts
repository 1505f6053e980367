/**
 * Finding and loading blueprints (issue 19). A blueprint is named (a file `<dir>/<name>.json`, the
 * folder from `"blueprints": {"dir": ...}` in tenants.json, default `blueprints/` beside it) or given
 * inline (an object). A name is never a path: `[a-z0-9][a-z0-9_-]*`, so `..`, slashes and absolute
 * paths are refused. The blueprints this package ships (`blueprints/` of the package: `transport`)
 * are found when the user's folder has no file of that name; the result says which one was used.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBlueprint, type Blueprint } from '../core/blueprint/index.js';
import { CoreError } from '../core/errors.js';
import type { ServerConfig } from './types.js';

/** A blueprint's name: its file name without `.json`. */
export const BLUEPRINT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** Larger files are refused (a blueprint is a few kilobytes). */
export const MAX_BLUEPRINT_BYTES = 1024 * 1024;

/** The folder of the blueprints shipped with the package (two levels above src/config and dist/config). */
export const BUNDLED_BLUEPRINTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'blueprints');

export type BlueprintOrigin = 'folder' | 'bundled' | 'inline' | 'file';

export interface LoadedBlueprint {
  blueprint: Blueprint;
  /** The name it was asked by (folder, bundled), or the blueprint's own name (inline, file). */
  name: string;
  origin: BlueprintOrigin;
  /** The file read, or "the inline blueprint". */
  source: string;
}

export interface BlueprintListing {
  name: string;
  origin: 'folder' | 'bundled';
  path: string;
  /** The blueprint's own name and description, when the file is a valid blueprint. */
  title?: string;
  description?: string;
  /** Why the file is not a valid blueprint (first line of the error). */
  error?: string;
}

/** The user's blueprints folder: the configured one, or `blueprints/` beside tenants.json (the working directory without one). */
export function blueprintsDir(config: Pick<ServerConfig, 'blueprints' | 'baseDir'>, cwd: string = process.cwd()): string {
  return config.blueprints?.dir ?? resolve(config.baseDir ?? cwd, 'blueprints');
}

/** Why `ref` is not a blueprint name, or undefined when it is one. */
export function blueprintNameProblem(ref: string): string | undefined {
  if (BLUEPRINT_NAME.test(ref)) return undefined;
  if (/[/\\]/.test(ref) || ref.includes('..') || /^[A-Za-z]:/.test(ref)) {
    return `"${ref}" is a path; a blueprint is named by its file name in the blueprints folder, without ".json" (e.g. "transport"), or given inline as an object`;
  }
  if (/\.json$/i.test(ref)) return `"${ref}" ends in .json: name the blueprint without it ("${ref.replace(/\.json$/i, '')}")`;
  return `"${ref}" is not a blueprint name: lower-case letters, digits, "-" and "_", starting with a letter or digit (e.g. "transport")`;
}

/** The `<name>.json` files of a folder (names that are valid blueprint names), sorted; none when the folder does not exist. */
async function namesIn(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new CoreError(`cannot read the blueprints folder ${dir} (${code ?? 'error'})`, 'blueprints_unreadable');
  }
  return entries
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((n) => BLUEPRINT_NAME.test(n))
    .sort();
}

async function readBlueprintText(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_BLUEPRINT_BYTES) {
      throw new CoreError(`${path} is ${info.size} bytes; a blueprint file is at most ${MAX_BLUEPRINT_BYTES} bytes`, 'invalid_blueprint');
    }
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    if (err instanceof CoreError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new CoreError(`cannot read the blueprint file ${path} (${code ?? 'error'})`, 'blueprints_unreadable');
  }
}

/** The folders searched, in order: the user's, then the bundled one (once, when they are the same folder). */
function searchDirs(config: Pick<ServerConfig, 'blueprints' | 'baseDir'>): Array<{ dir: string; origin: 'folder' | 'bundled' }> {
  const user = blueprintsDir(config);
  const dirs: Array<{ dir: string; origin: 'folder' | 'bundled' }> = [{ dir: user, origin: 'folder' }];
  if (resolve(user) !== BUNDLED_BLUEPRINTS_DIR) dirs.push({ dir: BUNDLED_BLUEPRINTS_DIR, origin: 'bundled' });
  return dirs;
}

/** Every blueprint available by name: the user's folder first; a bundled one is listed unless the folder has the same name. */
export async function listBlueprints(config: Pick<ServerConfig, 'blueprints' | 'baseDir'>): Promise<BlueprintListing[]> {
  const out: BlueprintListing[] = [];
  for (const { dir, origin } of searchDirs(config)) {
    for (const name of await namesIn(dir)) {
      if (out.some((b) => b.name === name)) continue;
      const path = join(dir, `${name}.json`);
      const item: BlueprintListing = { name, origin, path };
      try {
        const text = await readBlueprintText(path);
        if (text === undefined) continue;
        const bp = parseBlueprint(text, path);
        item.title = bp.name;
        if (bp.description !== undefined) item.description = bp.description;
      } catch (err) {
        item.error = (err as Error).message.split('\n')[0];
      }
      out.push(item);
    }
  }
  return out;
}

/**
 * A blueprint by name (the user's folder, then the bundled ones) or inline (an object, checked the
 * same way). Throws a CoreError: `invalid_blueprint_name` (a path, a bad name),
 * `blueprint_not_found` (naming the folder and the names available), `invalid_blueprint`.
 */
export async function loadBlueprint(ref: unknown, config: Pick<ServerConfig, 'blueprints' | 'baseDir'>): Promise<LoadedBlueprint> {
  if (ref !== null && typeof ref === 'object' && !Array.isArray(ref)) {
    const blueprint = parseBlueprint(ref, 'the inline blueprint');
    return { blueprint, name: blueprint.name, origin: 'inline', source: 'the inline blueprint' };
  }
  if (typeof ref !== 'string') {
    throw new CoreError(
      `a blueprint is a name (e.g. "transport": the file transport.json in the blueprints folder) or an object (an inline blueprint); found ${ref === null ? 'null' : Array.isArray(ref) ? 'an array' : typeof ref}`,
      'invalid_blueprint_name',
    );
  }
  const problem = blueprintNameProblem(ref);
  if (problem !== undefined) throw new CoreError(`${problem}.`, 'invalid_blueprint_name');
  for (const { dir, origin } of searchDirs(config)) {
    const path = join(dir, `${ref}.json`);
    const text = await readBlueprintText(path);
    if (text === undefined) continue;
    return { blueprint: parseBlueprint(text, path), name: ref, origin, source: path };
  }
  const available = await listBlueprints(config);
  const names = available.map((b) => (b.origin === 'bundled' ? `${b.name} (bundled)` : b.name));
  throw new CoreError(
    `no blueprint named "${ref}": there is no ${ref}.json in the blueprints folder ${blueprintsDir(config)}` +
      `${searchDirs(config).length > 1 ? ' nor among the bundled blueprints' : ''}. ` +
      (names.length > 0 ? `Available: ${names.join(', ')}.` : 'No blueprint is available.') +
      ' Put the file in that folder (the folder is "blueprints": {"dir": "..."} in tenants.json, default blueprints/ beside it), or give the blueprint inline.',
    'blueprint_not_found',
    { available: available.map((b) => b.name) },
  );
}

/** A blueprint file given by path (the CLI's `blueprint plan FILE`): read and checked, never searched. */
export async function readBlueprintFile(path: string, cwd: string = process.cwd()): Promise<LoadedBlueprint> {
  const full = resolve(cwd, path);
  const text = await readBlueprintText(full);
  if (text === undefined) throw new CoreError(`the blueprint file ${full} does not exist (or is not a file)`, 'blueprint_not_found');
  const blueprint = parseBlueprint(text, full);
  return { blueprint, name: blueprint.name, origin: 'file', source: full };
}
