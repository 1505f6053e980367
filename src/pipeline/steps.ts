/** Write steps several write tools share inside their apply and verify steps (they need the WriteClient). */
import { layouts as layoutApi } from '../espo/api/index.js';
import { layoutFingerprint } from '../core/layout/index.js';
import { ToolError } from '../errors.js';
import { readLayout } from '../reads/index.js';
import type { ApplyContext } from '../tools/define.js';

/** `PUT {Entity}/layout/{name}`, then reads it back: EspoCRM stores anything, so the read-back is the proof. */
export async function saveLayout(ctx: ApplyContext, entity: string, name: string, json: unknown): Promise<void> {
  await layoutApi.put(ctx.writer, entity, name, json, { signal: ctx.signal });
  const back = await readLayout(ctx.tenant, entity, name, ctx.signal);
  if (back === undefined || layoutFingerprint(back) !== layoutFingerprint(json)) {
    throw new ToolError(`the ${name} layout was sent, but reading it back gives ${back === undefined ? 'nothing' : 'a different layout'}`, 'layout_not_verified');
  }
}
