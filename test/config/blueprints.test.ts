import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_BLUEPRINTS_DIR, blueprintsDir, listBlueprints, loadBlueprint, readBlueprintFile } from '../../src/config/blueprints.js';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';
import { CoreError } from '../../src/core/errors.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'espo-blueprints-'));
}

const tenants = { tenants: { damath: { url: 'https://damath-crm.example.com', apiKey: 'env:DAMATH_ESPO_API_KEY' } } };

function configIn(dir: string, extra: Record<string, unknown> = {}) {
  const path = join(dir, 'tenants.json');
  const text = JSON.stringify({ ...tenants, ...extra });
  writeFileSync(path, text);
  return parseConfigText(text, path);
}

const sector = (name: string, description?: string) => ({
  name,
  ...(description ? { description } : {}),
  entities: { Account: { fields: [{ name: 'flotte', type: 'int', min: 0 }] } },
});

async function refusal(p: Promise<unknown>): Promise<CoreError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CoreError);
    return err as CoreError;
  }
  throw new Error('expected a refusal');
}

describe('the blueprints folder in tenants.json', () => {
  it('defaults to blueprints/ beside tenants.json', () => {
    const dir = tempDir();
    const config = configIn(dir);
    expect(config.blueprints).toBeUndefined();
    expect(blueprintsDir(config)).toBe(join(dir, 'blueprints'));
  });

  it('resolves a relative dir against the config folder and keeps an absolute one', () => {
    const dir = tempDir();
    expect(blueprintsDir(configIn(dir, { blueprints: { dir: 'setups/std' } }))).toBe(join(dir, 'setups/std'));
    expect(blueprintsDir(configIn(dir, { blueprints: { dir: '/srv/blueprints' } }))).toBe('/srv/blueprints');
  });

  it('refuses an unknown key in the section', () => {
    const dir = tempDir();
    expect(() => configIn(dir, { blueprints: { folder: 'x' } })).toThrow(ConfigError);
  });
});

describe('loadBlueprint', () => {
  it('loads a blueprint by name from the folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blueprints'));
    writeFileSync(join(dir, 'blueprints', 'flotte.json'), JSON.stringify(sector('Flotte')));
    const loaded = await loadBlueprint('flotte', configIn(dir));
    expect(loaded).toMatchObject({ name: 'flotte', origin: 'folder', source: join(dir, 'blueprints', 'flotte.json') });
    expect(loaded.blueprint.entities['Account']?.fields?.[0]?.name).toBe('flotte');
  });

  it('finds the bundled transport blueprint when the folder has none, and says so', async () => {
    const loaded = await loadBlueprint('transport', configIn(tempDir()));
    expect(loaded.origin).toBe('bundled');
    expect(loaded.source).toBe(join(BUNDLED_BLUEPRINTS_DIR, 'transport.json'));
    expect(loaded.blueprint.entities['Lead']?.fields?.[0]).toMatchObject({ name: 'secteur', type: 'enum' });
  });

  it('prefers the user folder over a bundled blueprint of the same name', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blueprints'));
    writeFileSync(join(dir, 'blueprints', 'transport.json'), JSON.stringify(sector('Mon transport')));
    const loaded = await loadBlueprint('transport', configIn(dir));
    expect(loaded.origin).toBe('folder');
    expect(loaded.blueprint.name).toBe('Mon transport');
    const list = await listBlueprints(configIn(dir));
    expect(list.filter((b) => b.name === 'transport')).toEqual([expect.objectContaining({ origin: 'folder', title: 'Mon transport' })]);
  });

  it('takes an inline blueprint, checked the same way', async () => {
    const config = configIn(tempDir());
    expect((await loadBlueprint(sector('inline one'), config)).origin).toBe('inline');
    const err = await refusal(loadBlueprint({ name: 'x', entities: { Lead: { fields: [{ name: 'a' }] } } }, config));
    expect(err.code).toBe('invalid_blueprint');
    expect(err.message).toMatch(/the inline blueprint is not a valid blueprint.*entities\.Lead\.fields\[0\]\.type: is required/s);
  });

  it('never takes a path for a name', async () => {
    const dir = tempDir();
    const config = configIn(dir);
    // A valid blueprint one folder up must stay out of reach.
    writeFileSync(join(dir, 'secret.json'), JSON.stringify(sector('outside')));
    for (const ref of ['../secret', '/etc/passwd', 'sub/dir', '..\\secret', 'C:evil', '..']) {
      const err = await refusal(loadBlueprint(ref, config));
      expect(err.code, ref).toBe('invalid_blueprint_name');
    }
    expect((await refusal(loadBlueprint('../secret', config))).message).toMatch(/is a path; a blueprint is named by its file name/);
    expect((await refusal(loadBlueprint('transport.json', config))).message).toMatch(/name the blueprint without it \("transport"\)/);
    expect((await refusal(loadBlueprint('Transport', config))).message).toMatch(/lower-case letters/);
    expect((await refusal(loadBlueprint(42, config))).message).toMatch(/a name .* or an object/);
  });

  it('names the folder and the blueprints available when a name is not found', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blueprints'));
    writeFileSync(join(dir, 'blueprints', 'flotte.json'), JSON.stringify(sector('Flotte')));
    const err = await refusal(loadBlueprint('transprot', configIn(dir)));
    expect(err.code).toBe('blueprint_not_found');
    expect(err.message).toContain(join(dir, 'blueprints'));
    expect(err.message).toMatch(/Available: flotte, transport \(bundled\)/);
  });

  it('names the file and the problems of an invalid blueprint file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'blueprints'));
    writeFileSync(join(dir, 'blueprints', 'cassé.json'), '{}');
    writeFileSync(join(dir, 'blueprints', 'broken.json'), '{"name": "b", "entities": {"Lead": {"fields": [{"name": "a", "type": "enum", "colour": 1}]}}}');
    const err = await refusal(loadBlueprint('broken', configIn(dir)));
    expect(err.message).toContain(join(dir, 'blueprints', 'broken.json'));
    expect(err.message).toMatch(/unknown key "colour"/);
    const list = await listBlueprints(configIn(dir));
    // The file with a name that is not a blueprint name is not listed; the broken one is, with its error.
    expect(list.map((b) => b.name)).toEqual(['broken', 'transport']);
    expect(list[0]?.error).toMatch(/not a valid blueprint/);
    expect(list[1]).toMatchObject({ origin: 'bundled', title: 'transport' });
  });

  it('reads a blueprint file by path (the CLI)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'mine.json'), JSON.stringify(sector('Mine')));
    expect(await readBlueprintFile('mine.json', dir)).toMatchObject({ name: 'Mine', origin: 'file', source: join(dir, 'mine.json') });
    expect((await refusal(readBlueprintFile('missing.json', dir))).code).toBe('blueprint_not_found');
  });
});
