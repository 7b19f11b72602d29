import type { Server } from 'node:http';

export interface PortalSettings {
  /** Where people reach the portal, e.g. http://localhost:3004 (origin checks and Secure cookies follow it). */
  portalUrl: string;
  /** Foyer's issuer, e.g. http://localhost:3000. */
  issuer: string;
  /** The portal's app registration in Foyer: client_credentials, User.Invite.All. */
  clientId: string;
  clientSecret: string;
  /** Email domains that may ask for access (`*.example` for any subdomain). */
  allowedDomains: string[];
  /** Where invited guests land after redeeming: a URL of an app registered in Foyer. */
  inviteRedirectUrl: string;
  /** The host organisation, as named on the page. */
  organisationName: string;
  /** The app people ask for, as named on the page. */
  appName?: string;
  /** `#rrggbb` */
  primaryColor?: string;
  /** Requests per client IP per hour (default 20). */
  requestsPerIpPerHour?: number;
  /** The fetch used for every call to Foyer (tests count calls with it). */
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export function createPortal(settings: PortalSettings): Server;
export function domainAllowed(domain: string, allowed: string[]): boolean;
export function esc(value: unknown): string;
