import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../src/config/json-syntax.js';

describe('findJsonSyntaxError', () => {
  it('finds nothing wrong in any JSON that JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        expect(findJsonSyntaxError(JSON.stringify(value, null, pretty ? 2 : 0))).toBeUndefined();
      }),
    );
  });

  it('finds an error wherever JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.constantFrom(',', '}', ']', '"', "'", 'x', ':', '\n'), (value, at, ch) => {
        const text = JSON.stringify(value);
        const i = at % (text.length + 1);
        const broken = text.slice(0, i) + ch + text.slice(i);
        let parses = true;
        try {
          JSON.parse(broken);
        } catch {
          parses = false;
        }
        expect(findJsonSyntaxError(broken) === undefined).toBe(parses);
      }),
    );
  });

  it('says where and what', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n}')).toEqual({ line: 3, column: 1, problem: 'a trailing comma before "}" is not allowed in JSON' });
    expect(findJsonSyntaxError('{"a": 1 "b": 2}')).toMatchObject({ line: 1, column: 9, problem: 'expected "," or "}" (a missing comma?)' });
    expect(findJsonSyntaxError("{'a': 1}")).toMatchObject({ column: 2, problem: 'expected a property name in double quotes' });
    expect(findJsonSyntaxError('{"a": [1, 2')).toMatchObject({ problem: 'the file ends too early (a missing "]"?)' });
    expect(findJsonSyntaxError('{"a": "x\ny"}')).toMatchObject({ line: 1, column: 9 });
    expect(findJsonSyntaxError('{} {}')).toMatchObject({ column: 4, problem: 'unexpected content after the end of the JSON object' });
  });
});
