import type { Actor } from '../directory/user-lifecycle.js';
import type { ApiPrincipal } from './api-principal.js';

/** The audit log's actor for an API caller. */
export function actorOf(principal: ApiPrincipal): Actor {
  return principal.kind === 'app' ? { type: 'app', id: principal.appId } : { type: 'user', id: principal.userId };
}
