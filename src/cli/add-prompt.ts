import { ConfigError } from '../config/errors.js';
import type { SecretInput } from '../secrets/read-input.js';

/**
 * Asks `question` (yes/no, default no) on the terminal before a command changes something; without a
 * terminal, refuses with the flag that skips the question (`--yes`). True when the answer is yes.
 */
export async function confirmOnTerminal(io: { stdin: SecretInput & { isTTY?: boolean }; stderr: NodeJS.WritableStream }, question: string, action: string): Promise<boolean> {
  if (io.stdin.isTTY !== true) throw new ConfigError(`there is no terminal to confirm on: add --yes to ${action}`);
  const prompter = new Prompter(io.stdin, io.stderr);
  try {
    const answer = await prompter.ask(`${question} (yes/no)`, { default: 'no', check: (a) => (/^(y|yes|n|no)$/i.test(a) ? undefined : 'answer yes or no') });
    return /^y/i.test(answer);
  } finally {
    prompter.close();
  }
}

/**
 * Questions on a terminal: the question goes to `out` (stderr: stdout is not for prompts), the answer
 * comes from `stdin`. Hidden answers are read in raw mode, so the terminal never echoes them.
 * One listener and one buffer serve every question, so input typed ahead is not lost.
 */
export class Prompter {
  private buffer = '';
  private ended = false;
  private pending: { hidden: boolean; resolve: (line: string) => void; reject: (err: Error) => void } | undefined;

  private readonly onData = (chunk: Buffer | string) => {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.pump();
  };

  private readonly onEnd = () => {
    this.ended = true;
    this.pump();
  };

  constructor(
    private readonly stdin: SecretInput,
    private readonly out: NodeJS.WritableStream,
  ) {
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
  }

  /** Asks until `check` accepts the answer (it returns a problem to show, or undefined). */
  async ask(question: string, opts: { hidden?: boolean; default?: string; check?: (answer: string) => string | undefined } = {}): Promise<string> {
    for (;;) {
      const suffix = opts.default !== undefined && opts.default !== '' ? ` [${opts.default}]` : '';
      const raw = (await this.line(`${question}${suffix}: `, opts.hidden === true)).trim();
      const answer = raw === '' && opts.default !== undefined ? opts.default : raw;
      const problem = opts.check?.(answer);
      if (problem === undefined) return answer;
      this.out.write(`  ${problem}\n`);
    }
  }

  close(): void {
    this.stdin.removeListener('data', this.onData);
    this.stdin.removeListener('end', this.onEnd);
    this.stdin.pause();
  }

  private line(question: string, hidden: boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      this.out.write(question);
      this.pending = { hidden, resolve, reject };
      // Raw mode: keystrokes are neither echoed nor line-buffered, so a secret never shows on screen.
      if (hidden) this.stdin.setRawMode?.(true);
      this.stdin.resume();
      this.pump();
    });
  }

  private finish(result: { line: string } | { error: Error }): void {
    const pending = this.pending!;
    this.pending = undefined;
    this.stdin.pause();
    if (pending.hidden) {
      this.stdin.setRawMode?.(false);
      this.out.write('\n');
    }
    if ('error' in result) pending.reject(result.error);
    else pending.resolve(result.line);
  }

  private pump(): void {
    if (!this.pending) return;
    let partial = this.buffer;
    if (this.pending.hidden) {
      let value = '';
      for (let i = 0; i < this.buffer.length; i++) {
        const ch = this.buffer[i]!;
        if (ch === '\r' || ch === '\n') {
          this.buffer = this.buffer.slice(i + (ch === '\r' && this.buffer[i + 1] === '\n' ? 2 : 1));
          return this.finish({ line: value });
        }
        if (ch === '\u0003') {
          this.buffer = '';
          return this.finish({ error: new ConfigError('cancelled; nothing was written') });
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
      partial = value;
    } else {
      const match = /\r?\n|\r/.exec(this.buffer);
      if (match) {
        const line = this.buffer.slice(0, match.index);
        this.buffer = this.buffer.slice(match.index + match[0].length);
        return this.finish({ line });
      }
    }
    if (this.ended) {
      // A last line without a newline still counts; no input at all is an error.
      const hadInput = this.buffer !== '';
      this.buffer = '';
      if (hadInput) return this.finish({ line: partial });
      this.finish({ error: new ConfigError('the input ended before every question was answered; nothing was written') });
    }
  }
}
