import { ConfigError } from '../config/errors.js';
import { findJsonSyntaxError } from '../config/json-syntax.js';

/**
 * Adds or replaces one tenant in the text of a tenants.json, leaving every other byte as it was: the
 * other tenants, their order, the user's formatting and `$comment`s. (Re-serialising the whole file
 * would reformat what people wrote by hand.)
 */
export function setTenantInText(
  text: string | undefined,
  id: string,
  entry: Record<string, unknown>,
  opts: { force: boolean; source: string },
): { text: string; replaced: boolean } {
  if (text === undefined || text.trim() === '') {
    return { text: `${JSON.stringify({ tenants: { [id]: entry } }, null, 2)}\n`, replaced: false };
  }
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  try {
    JSON.parse(body);
  } catch {
    const at = findJsonSyntaxError(body);
    throw new ConfigError(`not valid JSON${at ? ` at line ${at.line}, column ${at.column}: ${at.problem}` : ''} — fix it first; nothing was written`, {
      source: opts.source,
    });
  }
  const scanner = new Scanner(body);
  const start = scanner.skipSpace(0);
  if (body[start] !== '{') throw new ConfigError('expected a JSON object at the top level — fix it first; nothing was written', { source: opts.source });
  const root = scanner.object(start);
  const tenants = root.members.find((m) => m.key === 'tenants');

  if (!tenants) {
    const member = `"tenants": ${indentJson({ [id]: entry }, memberIndent(body, root))}`;
    return { text: bom + insertMember(body, root, member), replaced: false };
  }
  if (body[tenants.valueStart] !== '{') {
    throw new ConfigError('"tenants" must be an object of tenants by id — fix it first; nothing was written', { source: opts.source });
  }
  const list = scanner.object(tenants.valueStart);
  const existing = list.members.filter((m) => m.key === id);
  const indent = memberIndent(body, list);
  if (existing.length > 0) {
    if (!opts.force) {
      throw new ConfigError(
        `${opts.source} already has a tenant "${id}"; nothing was changed. Pass --force to replace it (its keychain entries are overwritten too), or choose another id`,
      );
    }
    const last = existing[existing.length - 1]!;
    const value = indentJson(entry, indent);
    return { text: bom + body.slice(0, last.valueStart) + value + body.slice(last.valueEnd), replaced: true };
  }
  const member = `${JSON.stringify(id)}: ${indentJson(entry, indent)}`;
  return { text: bom + insertMember(body, list, member), replaced: false };
}

interface Member {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

interface ObjectSpan {
  start: number;
  /** Index of the closing brace. */
  close: number;
  members: Member[];
}

/** Positions of values in a JSON text already known to parse. */
class Scanner {
  constructor(private readonly t: string) {}

  skipSpace(i: number): number {
    while (i < this.t.length && ' \t\r\n'.includes(this.t[i]!)) i++;
    return i;
  }

  object(start: number): ObjectSpan {
    const members: Member[] = [];
    let i = this.skipSpace(start + 1);
    if (this.t[i] === '}') return { start, close: i, members };
    for (;;) {
      const keyStart = i;
      const keyEnd = this.string(i);
      const key = JSON.parse(this.t.slice(keyStart, keyEnd)) as string;
      i = this.skipSpace(this.skipSpace(keyEnd) + 1); // past ':'
      const valueStart = i;
      const valueEnd = this.value(i);
      members.push({ key, keyStart, valueStart, valueEnd });
      i = this.skipSpace(valueEnd);
      if (this.t[i] === '}') return { start, close: i, members };
      i = this.skipSpace(i + 1); // past ','
    }
  }

  private value(i: number): number {
    const c = this.t[i];
    if (c === '"') return this.string(i);
    if (c === '{') return this.object(i).close + 1;
    if (c === '[') {
      let j = this.skipSpace(i + 1);
      if (this.t[j] === ']') return j + 1;
      for (;;) {
        j = this.skipSpace(this.value(j));
        if (this.t[j] === ']') return j + 1;
        j = this.skipSpace(j + 1);
      }
    }
    let j = i;
    while (j < this.t.length && !',}] \t\r\n'.includes(this.t[j]!)) j++;
    return j;
  }

  private string(i: number): number {
    let j = i + 1;
    while (this.t[j] !== '"') j += this.t[j] === '\\' ? 2 : 1;
    return j + 1;
  }
}

/** The indentation of an object's members: as its first member has it, else its line's plus two spaces. */
function memberIndent(text: string, obj: ObjectSpan): string {
  const first = obj.members[0];
  if (first) {
    const lineStart = text.lastIndexOf('\n', first.keyStart) + 1;
    const lead = text.slice(lineStart, first.keyStart);
    if (/^[ \t]*$/.test(lead)) return lead;
  }
  return `${lineIndent(text, obj.start)}  `;
}

function lineIndent(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Pretty JSON whose second and later lines sit at `indent` (the first line follows a key). */
function indentJson(value: unknown, indent: string): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${indent}`);
}

/** Inserts `member` as the last member of the object, on its own line. */
function insertMember(text: string, obj: ObjectSpan, member: string): string {
  const indent = memberIndent(text, obj);
  const last = obj.members[obj.members.length - 1];
  if (last) return `${text.slice(0, last.valueEnd)},\n${indent}${member}${text.slice(last.valueEnd)}`;
  const closing = lineIndent(text, obj.start);
  return `${text.slice(0, obj.start + 1)}\n${indent}${member}\n${closing}${text.slice(obj.close)}`;
}
