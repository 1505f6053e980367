/**
 * Where a JSON text first goes wrong, for an error message. JSON.parse's own messages differ between
 * Node versions and some quote the text around the error, which may be a secret; this says where and
 * what without quoting anything.
 */
export function findJsonSyntaxError(text: string): { line: number; column: number; problem: string } | undefined {
  try {
    let i = value(text, skip(text, 0));
    i = skip(text, i);
    if (i < text.length) throw new SyntaxAt(i, 'unexpected content after the end of the JSON object');
    return undefined;
  } catch (err) {
    if (!(err instanceof SyntaxAt)) throw err;
    const before = text.slice(0, err.offset).split('\n');
    return { line: before.length, column: before[before.length - 1]!.length + 1, problem: err.problem };
  }
}

class SyntaxAt {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

function skip(t: string, i: number): number {
  while (i < t.length && ' \t\r\n'.includes(t[i]!)) i++;
  return i;
}

function value(t: string, i: number): number {
  const c = t[i];
  if (c === undefined) throw new SyntaxAt(i, 'the file ends too early (a missing "}" or "]"?)');
  if (c === '{') return object(t, i);
  if (c === '[') return array(t, i);
  if (c === '"') return string(t, i);
  if (c === '-' || (c >= '0' && c <= '9')) return number(t, i);
  for (const lit of ['true', 'false', 'null']) if (t.startsWith(lit, i)) return i + lit.length;
  if (c === "'") throw new SyntaxAt(i, 'strings need double quotes, not single quotes');
  throw new SyntaxAt(i, 'expected a value (a "string", a number, true, false, null, an object or a list); text needs double quotes');
}

function object(t: string, i: number): number {
  i = skip(t, i + 1);
  if (t[i] === '}') return i + 1;
  for (;;) {
    if (t[i] !== '"') throw new SyntaxAt(i, t[i] === undefined ? 'the file ends too early (a missing "}"?)' : 'expected a property name in double quotes');
    i = skip(t, string(t, i));
    if (t[i] !== ':') throw new SyntaxAt(i, 'expected ":" after the property name');
    i = skip(t, value(t, skip(t, i + 1)));
    if (t[i] === '}') return i + 1;
    if (t[i] === undefined) throw new SyntaxAt(i, 'the file ends too early (a missing "}"?)');
    if (t[i] !== ',') throw new SyntaxAt(i, 'expected "," or "}" (a missing comma?)');
    i = skip(t, i + 1);
    if (t[i] === '}') throw new SyntaxAt(i, 'a trailing comma before "}" is not allowed in JSON');
  }
}

function array(t: string, i: number): number {
  i = skip(t, i + 1);
  if (t[i] === ']') return i + 1;
  for (;;) {
    i = skip(t, value(t, i));
    if (t[i] === ']') return i + 1;
    if (t[i] === undefined) throw new SyntaxAt(i, 'the file ends too early (a missing "]"?)');
    if (t[i] !== ',') throw new SyntaxAt(i, 'expected "," or "]" (a missing comma?)');
    i = skip(t, i + 1);
    if (t[i] === ']') throw new SyntaxAt(i, 'a trailing comma before "]" is not allowed in JSON');
  }
}

function string(t: string, start: number): number {
  let i = start + 1;
  while (i < t.length) {
    const c = t[i]!;
    if (c === '"') return i + 1;
    if (c === '\\') {
      const e = t[i + 1];
      if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) i += 6;
      else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
      else throw new SyntaxAt(i, 'invalid escape in a string (write a backslash as "\\\\")');
    } else if (c < ' ') {
      throw new SyntaxAt(i, 'a line break or control character inside a string (a missing closing quote?)');
    } else i++;
  }
  throw new SyntaxAt(start, 'a string is not closed (a missing double quote)');
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function number(t: string, i: number): number {
  NUMBER.lastIndex = i;
  if (!NUMBER.test(t)) throw new SyntaxAt(i, 'not a valid number');
  return NUMBER.lastIndex;
}
