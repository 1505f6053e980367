/** Which names EspoCRM would resolve to a controller (for its "action does not exist" 404s). */
import type { SandboxState } from '../state.js';
import { unmatched } from './router.js';

/** Controllers that exist apart from the entity types. */
const specialControllers = ['Admin', 'App', 'Metadata', 'Layout', 'FieldManager', 'Settings', 'I18n', 'EntityManager', 'Action', 'MassAction', 'UserSecurity'];

export function isController(state: SandboxState, name: string): boolean {
  return specialControllers.includes(name) || state.metadata.scope(name)?.entity === true;
}

/** The 404 EspoCRM gives for a request that reaches no action. */
export function noSuchAction(state: SandboxState, method: string, segments: readonly string[]): Error {
  return unmatched(method, segments, (name) => isController(state, name));
}
