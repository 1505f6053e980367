// Reads the regular files of an npm package tarball (.tgz: gzip + ustar, pax path records honoured),
// so the bundle script can add other platforms' native packages without a system `tar`.
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

function text(buf, start, length) {
  const raw = buf.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function octal(buf, start, length) {
  const s = text(buf, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function paxPath(body) {
  // Records are "LENGTH key=value\n".
  let path;
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const length = parseInt(body.subarray(i, space).toString('utf8'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = body.subarray(space + 1, i + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    i += length;
  }
  return path;
}

/**
 * @param {Buffer} tgz an npm package tarball
 * @returns {Array<{ path: string, data: Buffer, mode: number }>} files, with the leading `package/` removed
 */
export function readPackageTarball(tgz) {
  const tar = gunzipSync(tgz);
  const files = [];
  let nextPath;
  for (let p = 0; p + BLOCK <= tar.length; ) {
    const header = tar.subarray(p, p + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const body = tar.subarray(p + BLOCK, p + BLOCK + size);
    p += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      nextPath = paxPath(body);
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header, 345, 155);
    const name = nextPath ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    nextPath = undefined;
    if (type !== '0') continue;
    const path = name.replace(/^[^/]+\//, '');
    if (path === '' || path.startsWith('/') || path.split('/').includes('..')) throw new Error(`unsafe path in tarball: ${JSON.stringify(name)}`);
    files.push({ path, data: Buffer.from(body), mode: octal(header, 100, 8) & 0o777 });
  }
  return files;
}
