/**
 * How a CLI command ends: its action returns the exit code; an error it throws becomes one line on stderr
 * (`error: …`, our messages are written for the user and hold no secret) and the exit code `failed`.
 */
import { plainMarked } from '../core/fence.js';
import { describeError } from '../errors.js';

export interface CommandRunnerOptions {
  /** Defaults to setting `process.exitCode`. */
  setExitCode?: (code: number) => void;
  /** How an error reads; defaults to `describeError`, CRM values quoted. */
  render?: (err: unknown) => string;
  /** The exit code of an action that threw; default 1. */
  failed?: number;
}

export function commandRunner(stderr: NodeJS.WritableStream, opts: CommandRunnerOptions = {}): (action: () => Promise<number>) => Promise<void> {
  const setExitCode = opts.setExitCode ?? ((code: number) => void (process.exitCode = code));
  const render = opts.render ?? ((err: unknown) => plainMarked(describeError(err)));
  return async (action) => {
    try {
      setExitCode(await action());
    } catch (err) {
      stderr.write(`error: ${render(err)}\n`);
      setExitCode(opts.failed ?? 1);
    }
  };
}
