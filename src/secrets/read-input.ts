import { SecretError } from './errors.js';

/** The input side of a terminal or a pipe; `process.stdin` fits. */
export type SecretInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

const MAX_BYTES = 64 * 1024;

/**
 * Reads one secret: from a pipe (`printf %s "$KEY" | ... set-secret`) when stdin is not a terminal,
 * else from a no-echo prompt written to `prompt` (stderr: stdout is not for humans here).
 * One trailing newline is dropped; an empty value is an error.
 */
export async function readSecretInput(opts: {
  stdin: SecretInput;
  prompt: NodeJS.WritableStream;
  message: string;
}): Promise<string> {
  const value = opts.stdin.isTTY ? await readFromTerminal(opts.stdin, opts.prompt, opts.message) : await readAll(opts.stdin);
  if (value === '') throw new SecretError('no value given (the input was empty); nothing was stored');
  return value;
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > MAX_BYTES) throw new SecretError(`the input is larger than ${MAX_BYTES} bytes; a secret is expected`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function readFromTerminal(stdin: SecretInput, prompt: NodeJS.WritableStream, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: SecretError) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      prompt.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new SecretError('cancelled; nothing was stored'));
        if (ch === '\u0004') return value === '' ? finish(new SecretError('cancelled; nothing was stored')) : finish();
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    prompt.write(message);
    // Raw mode: keystrokes are neither echoed nor line-buffered, so the secret never shows on screen.
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
