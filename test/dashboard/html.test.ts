/**
 * The dashboard's templating core (src/dashboard/html.ts): escaping, the `html` tag, attributes, URLs,
 * cleaning of third-party text (fence markers, control and bidi characters) and relative times.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { untrusted } from '../../src/core/fence.js';
import {
  SafeHtml,
  absoluteTimeTag,
  attr,
  classToken,
  cleanText,
  encodeComponent,
  escapeHtml,
  formatCount,
  formatUtc,
  href,
  html,
  join,
  raw,
  relativeTime,
  safeUrl,
  timeTag,
} from '../../src/dashboard/html.js';

/** The HTML entities escapeHtml writes, decoded. */
const decode = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!);

describe('escapeHtml', () => {
  it('escapes & < > " \' and the backtick', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  });

  it('renders null and undefined as nothing, other values as their text', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(0)).toBe('0');
    expect(escapeHtml(false)).toBe('false');
    expect(escapeHtml(12.5)).toBe('12.5');
  });

  it('removes C0 controls but tab and newline, makes CR LF and Unicode line separators newlines', () => {
    expect(escapeHtml('a\u0000b\u0007c\u001Bd\u007Fe')).toBe('abcde');
    expect(escapeHtml('tab\there\nline')).toBe('tab\there\nline');
    expect(escapeHtml('one\r\ntwo\rthree')).toBe('one\ntwo\nthree');
    expect(escapeHtml('a\u2028b\u2029c')).toBe('a\nb\nc');
  });

  it('removes bidi overrides and zero-width characters (text cannot be visually reordered)', () => {
    expect(escapeHtml('abc\u202Edef\u200B\u2066g\u2069')).toBe('abcdefg');
  });

  it('resolves our fence markers: a marked CRM value shows as its text, stray markers go', () => {
    expect(escapeHtml(`Label ${untrusted('<b>Secteur</b>')} refused`)).toBe('Label &lt;b&gt;Secteur&lt;/b&gt; refused');
    expect(escapeHtml('half\uE001 open\uE000')).toBe('half open');
    expect(cleanText(`x${untrusted('a\u202Eb')}y`)).toBe('xaby');
  });

  it('replaces lone surrogates (they cannot be written as UTF-8)', () => {
    expect(escapeHtml('a\uD800b\uDC00c')).toBe('a\uFFFDb\uFFFDc');
    expect(escapeHtml('emoji 🚚 kept')).toBe('emoji 🚚 kept');
  });

  it('leaves no markup character and loses no text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"'`]/);
        expect(out).not.toMatch(/&(?!(amp|lt|gt|quot|#39|#96);)/);
        expect(decode(out)).toBe(cleanText(s));
        // eslint-disable-next-line no-control-regex
        expect(out).not.toMatch(/[\u0000-\u0008\u000B-\u001F\u007F\uE000\uE001]/);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('html`...`', () => {
  it('escapes every interpolation and keeps the literal parts', () => {
    const name = '<script>alert(1)</script>';
    expect(html`<p title="${name}">${name}</p>`.value).toBe('<p title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('keeps SafeHtml from html itself and raw(), escapes strings that look like markup', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(html`<p>${inner}${raw('&nbsp;')}${'<i>'}</p>`.value).toBe('<p><b>a&amp;b</b>&nbsp;&lt;i&gt;</p>');
    // An object that only looks like SafeHtml is text.
    expect(html`${{ value: '<i>' } as unknown}`.value).toBe('[object Object]');
  });

  it('joins arrays (nested too), renders null, undefined and false as nothing', () => {
    const items = ['<a>', html`<li>x</li>`, ['y', html`<br>`]];
    expect(html`<ul>${items}</ul>`.value).toBe('<ul>&lt;a&gt;<li>x</li>y<br></ul>');
    expect(html`[${null}${undefined}${false}${0}]`.value).toBe('[0]');
    const shown = (on: boolean) => html`${on && html`<b>on</b>`}`.value;
    expect(shown(true)).toBe('<b>on</b>');
    expect(shown(false)).toBe('');
    expect(String(html`<i>${'&'}</i>`)).toBe('<i>&amp;</i>');
  });

  it('joins with a separator', () => {
    expect(join(['<a>', html`<b>b</b>`], ', ').value).toBe('&lt;a&gt;, <b>b</b>');
    expect(join([html`<i>1</i>`, html`<i>2</i>`], html`<br>`).value).toBe('<i>1</i><br><i>2</i>');
  });

  it('cannot be forged: SafeHtml is made by html and raw only', () => {
    const Forge = SafeHtml as unknown as new (value: string, token: symbol) => SafeHtml;
    expect(() => new Forge('<script>', Symbol('SafeHtml'))).toThrow(TypeError);
  });
});

describe('attr', () => {
  it('adds an escaped, double-quoted attribute; true is bare, nothing for null, undefined and false', () => {
    expect(attr('title', `a"b'c<d`).value).toBe(' title="a&quot;b&#39;c&lt;d"');
    expect(attr('aria-sort', 'ascending').value).toBe(' aria-sort="ascending"');
    expect(attr('selected', true).value).toBe(' selected');
    expect(attr('selected', false).value).toBe('');
    expect(attr('title', undefined).value).toBe('');
    expect(attr('title', null).value).toBe('');
    expect(attr('colspan', 3).value).toBe(' colspan="3"');
  });

  it('refuses event handlers and names that are not attribute names', () => {
    expect(() => attr('onclick', 'x')).toThrow(TypeError);
    expect(() => attr('OnMouseOver', 'x')).toThrow(TypeError);
    expect(() => attr('a b', 'x')).toThrow(TypeError);
    expect(() => attr('x"=y', 'x')).toThrow(TypeError);
    expect(() => attr('', 'x')).toThrow(TypeError);
  });
});

describe('href', () => {
  it('encodes keys and values, skips undefined and empty ones, in the order given', () => {
    expect(href('/dashboard/', { q: 'a b&c=d', health: undefined, drift: '', sort: 'name' })).toBe('/dashboard/?q=a%20b%26c%3Dd&sort=name');
    expect(href('/dashboard/', {})).toBe('/dashboard/');
    expect(href('/dashboard/', { 'k y': '"><script>' })).toBe('/dashboard/?k%20y=%22%3E%3Cscript%3E');
  });

  it('appends to a base that already has a query', () => {
    expect(href('/d/?a=1', { b: '2' })).toBe('/d/?a=1&b=2');
  });

  it('survives lone surrogates (encodeURIComponent alone throws on them)', () => {
    expect(href('/d/', { q: 'x\uD800' })).toBe('/d/?q=x%EF%BF%BD');
    expect(encodeComponent('javascript:alert(1)')).toBe('javascript%3Aalert(1)');
  });

  it('is escaped once more when interpolated (the & of the query)', () => {
    expect(html`<a href="${href('/d/', { a: '1', b: '2' })}">x</a>`.value).toBe('<a href="/d/?a=1&amp;b=2">x</a>');
  });
});

describe('safeUrl', () => {
  it('accepts absolute http(s) URLs only', () => {
    expect(safeUrl('https://crm.example.com/')).toBe('https://crm.example.com/');
    expect(safeUrl('http://10.0.0.5:8080/espo')).toBe('http://10.0.0.5:8080/espo');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('  JaVaScRiPt:alert(1)')).toBeUndefined();
    expect(safeUrl('java\u0000script:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(safeUrl('//evil.example/')).toBeUndefined();
    expect(safeUrl('/relative')).toBeUndefined();
    expect(safeUrl('https://')).toBeUndefined();
  });
});

describe('small formatters', () => {
  it('formatCount: en-US grouping, n/a when absent', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(null)).toBe('n/a');
    expect(formatCount(undefined)).toBe('n/a');
    expect(formatCount(Number.NaN)).toBe('n/a');
  });

  it('classToken: only letters, digits, _ and -', () => {
    expect(classToken('in_sync')).toBe('in_sync');
    expect(classToken('" onmouseover="x')).toBe('onmouseover-x');
    expect(classToken('')).toBe('other');
    expect(classToken(undefined)).toBe('other');
  });

  it('formatUtc', () => {
    expect(formatUtc('2026-11-03T10:05:09.123Z')).toBe('2026-11-03 10:05 UTC');
    expect(formatUtc('2026-11-03T10:05:09+02:00', true)).toBe('2026-11-03 08:05:09 UTC');
    expect(formatUtc('yesterday')).toBe('yesterday');
  });
});

describe('relativeTime', () => {
  const now = '2026-11-20T12:00:00.000Z';
  const ago = (ms: number) => new Date(Date.parse(now) - ms).toISOString();
  it('reads like a person would say it', () => {
    expect(relativeTime(ago(0), now)).toBe('just now');
    expect(relativeTime(ago(59_000), now)).toBe('just now');
    expect(relativeTime(ago(60_000), now)).toBe('1 min ago');
    expect(relativeTime(ago(5 * 60_000 + 30_000), now)).toBe('5 min ago');
    expect(relativeTime(ago(59 * 60_000), now)).toBe('59 min ago');
    expect(relativeTime(ago(3 * 3_600_000 + 10), now)).toBe('3 h ago');
    expect(relativeTime(ago(24 * 3_600_000), now)).toBe('1 day ago');
    expect(relativeTime(ago(2 * 86_400_000 + 5), now)).toBe('2 days ago');
    expect(relativeTime(ago(30 * 86_400_000), now)).toBe('30 days ago');
    expect(relativeTime(ago(31 * 86_400_000), now)).toBe('2026-10-20');
  });

  it('says "in ..." for times to come, "just now" for a small clock skew', () => {
    expect(relativeTime(ago(-30_000), now)).toBe('just now');
    expect(relativeTime(ago(-2 * 3_600_000), now)).toBe('in 2 h');
    expect(relativeTime(ago(-3 * 86_400_000), now)).toBe('in 3 days');
  });

  it('gives the text back when it is not a time', () => {
    expect(relativeTime('not a time', now)).toBe('not a time');
    expect(relativeTime(ago(0), 'never')).toBe(ago(0));
  });

  it('timeTag: <time datetime title>relative</time>; plain escaped text when not a time', () => {
    expect(timeTag('2026-11-20T11:55:00Z', now).value).toBe('<time datetime="2026-11-20T11:55:00.000Z" title="2026-11-20 11:55:00 UTC">5 min ago</time>');
    expect(timeTag('<b>soon</b>', now).value).toBe('<span class="time-unknown">&lt;b&gt;soon&lt;/b&gt;</span>');
    expect(absoluteTimeTag(now).value).toBe('<time datetime="2026-11-20T12:00:00.000Z">2026-11-20 12:00 UTC</time>');
  });
});
