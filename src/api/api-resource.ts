import { appPermissions } from '../config/apps-schema.js';

/** The audience (RFC 8707 resource) of tokens for Foyer's own Graph-shaped API. */
export function apiResource(issuer: string): string {
  return `${issuer}/v1.0`;
}

export type Permission = (typeof appPermissions)[number];

/** Delegated scopes a user token for the API may carry; the user's role still limits them. */
export const API_SCOPES: readonly Permission[] = appPermissions;
