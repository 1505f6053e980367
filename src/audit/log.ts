/**
 * Append-only JSONL audit log. Each line is written with one `write` and flushed (`fdatasync`) before
 * the call returns, so a crash loses at most the line in flight and the file stays line-readable.
 * Size-bounded: past `maxBytes` the file rotates to `.1`, `.2`, ... keeping `keep` old files.
 * Change records (the before-state of every write, for `undo_change`) are audit lines too.
 */
import { closeSync, existsSync, fdatasyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export type AuditOutcome = 'applied' | 'unchanged' | 'planned' | 'dry_run' | 'failed' | 'partial' | 'refused';

export interface AuditEntry {
  ts: string;
  changeId?: string;
  tenant: string;
  principal: string;
  /** How the caller authenticated over HTTP (a static token, a JWT, none on loopback); absent on stdio. */
  auth?: 'token' | 'jwt' | 'none';
  tool: string;
  args: Record<string, unknown>;
  outcome: AuditOutcome;
  summary?: string;
  error?: string;
  /** For undo: what the change touched and its state before and after. */
  change?: ChangeRecord;
}

export interface ChangeRecord {
  kind: 'layout' | 'field_create' | 'field_update' | 'field_delete' | 'undo';
  entity: string;
  layout?: string;
  field?: string;
  /** State before the change (layout JSON, field definition, ...); null when the thing did not exist. */
  before: unknown;
  after: unknown;
  /** For kind 'undo': the change it reverted. */
  undoes?: string;
  /** Extra before-states, e.g. layouts a field deletion edited. */
  related?: Array<{ layout: string; before: unknown; after: unknown }>;
  /** Whether the layout was customised before the change (a reset restores the default). */
  customizedBefore?: boolean;
}

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie/i;

/** Arguments as they may be logged: secret-looking keys dropped, confirm tokens shortened. */
export function scrubArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (k === 'confirm' && typeof v === 'string') out[k] = `${v.slice(0, 8)}…`;
    else if (SECRET_KEY.test(k)) out[k] = '[removed]';
    else out[k] = v;
  }
  return out;
}

export function newChangeId(): string {
  const t = Date.now().toString(36);
  return `chg_${t}_${randomBytes(4).toString('hex')}`;
}

export function defaultAuditPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'espocrm-admin-mcp', 'audit.jsonl');
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = openSync(file, 'r');
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * What tools and reads may know of the recorded history: read-only. Only the write pipeline appends
 * (src/pipeline/record.ts), so no tool can write an audit line of its own or skip one.
 */
export interface ChangeHistory {
  /** The applied (or partial) change with this id, with its tenant, or undefined. */
  findChange(changeId: string): AuditEntry | undefined;
  /** Whether a change was already undone. */
  isUndone(changeId: string): boolean;
  /** Every readable entry of one tenant, oldest first. */
  ofTenant(tenant: string): AuditEntry[];
}

export class AuditLog implements ChangeHistory {
  private fd: number | undefined;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly opts: { maxBytes?: number; keep?: number } = {},
  ) {}

  private open(): number {
    if (this.fd === undefined) {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, 'a', 0o600);
      this.size = existsSync(this.file) ? statSync(this.file).size : 0;
      // A crash mid-line left a torn last line: end it, so the next line is not glued to it (and lost).
      if (this.size > 0 && !endsWithNewline(this.file, this.size)) {
        writeSync(this.fd, '\n');
        this.size += 1;
      }
    }
    return this.fd;
  }

  append(entry: Omit<AuditEntry, 'ts'> & { ts?: string }): AuditEntry {
    const full: AuditEntry = { ts: new Date().toISOString(), ...entry, args: scrubArgs(entry.args) };
    const line = `${JSON.stringify(full)}\n`;
    const bytes = Buffer.byteLength(line);
    this.open();
    if (this.size > 0 && this.size + bytes > (this.opts.maxBytes ?? 20 * 2 ** 20)) this.rotate();
    const fd = this.open();
    writeSync(fd, line);
    fdatasyncSync(fd);
    this.size += bytes;
    return full;
  }

  /** Every readable entry, newest file last; a torn last line (crash mid-write) is skipped. */
  read(): AuditEntry[] {
    const keep = this.opts.keep ?? 5;
    const files = [...Array.from({ length: keep }, (_, i) => `${this.file}.${keep - i}`), this.file];
    const out: AuditEntry[] = [];
    for (const f of files) {
      if (!existsSync(f)) continue;
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          out.push(JSON.parse(line) as AuditEntry);
        } catch {
          // a line torn by a crash: skipped, the rest stays readable
        }
      }
    }
    return out;
  }

  ofTenant(tenant: string): AuditEntry[] {
    return this.read().filter((e) => e.tenant === tenant);
  }

  /** The applied change with this id, with its tenant, or undefined. */
  findChange(changeId: string): AuditEntry | undefined {
    return this.read().find((e) => e.changeId === changeId && e.change && (e.outcome === 'applied' || e.outcome === 'partial'));
  }

  /** Whether a change was already undone. */
  isUndone(changeId: string): boolean {
    return this.read().some((e) => e.change?.kind === 'undo' && e.change.undoes === changeId && e.outcome === 'applied');
  }

  private rotate(): void {
    const keep = this.opts.keep ?? 5;
    this.close();
    const oldest = `${this.file}.${keep}`;
    if (existsSync(oldest)) unlinkSync(oldest);
    for (let i = keep - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.file}.${i + 1}`);
    }
    renameSync(this.file, `${this.file}.1`);
    this.size = 0;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
