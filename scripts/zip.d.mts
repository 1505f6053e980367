/** Types of scripts/zip.mjs, for the tests that look inside a bundle. */
export interface ZipEntry {
  name: string;
  data: Buffer;
  mode: number | undefined;
}
export function writeZip(entries: Array<{ name: string; data: Buffer | Uint8Array | string; mode?: number }>): Buffer;
export function readZip(zip: Buffer): ZipEntry[];
