import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { readSecretInput } from '../../src/secrets/read-input.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: out, text: () => text };
}

describe('readSecretInput', () => {
  it('reads a pipe and drops one trailing newline, without prompting', async () => {
    const prompt = capture();
    await expect(readSecretInput({ stdin: Readable.from([Buffer.from('s3cr'), Buffer.from('et\n')]), prompt: prompt.stream, message: 'Value: ' })).resolves.toBe('s3cret');
    expect(prompt.text()).toBe('');
    await expect(readSecretInput({ stdin: Readable.from(['a\n\n']), prompt: prompt.stream, message: '' })).resolves.toBe('a\n');
  });

  it('refuses empty input', async () => {
    await expect(readSecretInput({ stdin: Readable.from(['\n']), prompt: new PassThrough(), message: '' })).rejects.toThrow('no value given');
  });

  it('prompts on a terminal in raw mode, without echo, with backspace', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() });
    const prompt = capture();
    const value = readSecretInput({ stdin, prompt: prompt.stream, message: 'apiKey for tenant "damath" (input hidden): ' });
    stdin.write('ab');
    stdin.write('\u007fc\rignored');
    await expect(value).resolves.toBe('ac');
    expect(stdin.setRawMode.mock.calls).toEqual([[true], [false]]);
    expect(prompt.text()).toBe('apiKey for tenant "damath" (input hidden): \n');
  });

  it('cancels on Ctrl-C and restores the terminal', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() });
    const value = readSecretInput({ stdin, prompt: new PassThrough(), message: '> ' });
    stdin.write('abc\u0003');
    await expect(value).rejects.toThrow('cancelled');
    expect(stdin.setRawMode).toHaveBeenLastCalledWith(false);
  });
});
