import { randomUUID } from 'node:crypto';
import type { PolicyReason } from '../access/policy-reasons.js';
import type { Database } from '../db/connect.js';
import { nowIso } from '../lib/clock.js';
import type { SecurityEventStream } from './event-stream.js';

/** One policy's part in a sign-in, as Graph's appliedConditionalAccessPolicy (plus Foyer's `reason`). */
export interface AppliedPolicy {
  id: string;
  displayName: string;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  result: string;
  reason: string;
  /**
   * The reason as a stable code and parameters, which the console says in the reader's language.
   * Stored with the row but never in Graph's answer (the API keeps `reason` alone); rows logged
   * before Foyer stored it have none, and the console shows their English `reason` as it is.
   */
  why?: PolicyReason;
  /** Graph's authenticationStrength of a policy requiring one; Foyer adds satisfiedBy (the methods that met it). */
  authenticationStrength?: { authenticationStrengthId: string; displayName?: string; authenticationStrengthResult: string; satisfiedBy?: string };
  /** Foyer addition: the methods that met the policy's MFA or strength control, e.g. "federated,upstreamPasskey". */
  satisfiedBy?: string;
}

export type SignInResult = 'success' | 'failure' | 'interrupted';
export type MfaMethod = 'totp' | 'recoveryCode' | 'trustedUpstream' | 'passkey';

/** What a caller records. Never secrets or codes: this is readable through the API. */
export interface SignInEntry {
  userId?: string | null;
  userPrincipalName?: string | null;
  userDisplayName?: string | null;
  userType?: string | null;
  appId?: string | null;
  appDisplayName?: string | null;
  identityProvider?: string | null;
  ipAddress?: string | null;
  correlationId?: string | null;
  isInteractive: boolean;
  result: SignInResult;
  /** A stable Foyer error code (the same ones pages and APIs show); absent on success. */
  errorCode?: string;
  failureReason?: string;
  /** For admins only: the underlying reason (an upstream library's error), never shown to the browser. */
  failureDetail?: string;
  conditionalAccessStatus?: 'success' | 'failure' | 'notApplied';
  appliedConditionalAccessPolicies?: AppliedPolicy[];
  authenticationRequirement?: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  mfaMethod?: MfaMethod;
  amr?: string[];
}

/** The guest's home organisation (a partner id and name) for a row, from what the row says; undefined: none. */
export type HomeTenantOf = (entry: Pick<SignInEntry, 'userPrincipalName' | 'identityProvider' | 'userType'>) => { id: string; name: string } | undefined;

interface SignInRow {
  id: string;
  created_at: string;
  user_id: string | null;
  user_principal_name: string | null;
  user_display_name: string | null;
  user_type: string | null;
  app_id: string | null;
  app_display_name: string | null;
  identity_provider: string | null;
  ip_address: string | null;
  correlation_id: string | null;
  is_interactive: boolean | number;
  result: SignInResult;
  error_code: string | null;
  failure_reason: string | null;
  failure_detail: string | null;
  conditional_access_status: string;
  applied_policies: string;
  authentication_requirement: string;
  mfa_method: string | null;
  amr: string | null;
  home_tenant_id: string | null;
  home_tenant_name: string | null;
}

/** Exact-match filters the list supports (Graph's `$filter` subset, see sign-ins-routes.ts). */
export interface SignInFilter {
  userId?: string;
  userPrincipalName?: string;
  appId?: string;
  identityProvider?: string;
  result?: SignInResult;
  errorCode?: string;
  conditionalAccessStatus?: string;
  homeTenantId?: string;
  createdAfter?: string;
  createdBefore?: string;
}

/**
 * The sign-in log (DESIGN.md step 9): one row per sign-in attempt, success or failure, with the
 * conditional access trace. Rows are shaped like Graph's signIn resource when read.
 */
export class SignInLog {
  constructor(
    private readonly db: Database,
    /** Names the partner organisation of each row (src/partners/); without it rows name none. */
    private readonly homeTenantOf?: HomeTenantOf,
    /** The SIEM stream (event-stream.ts), when configured. */
    private readonly stream?: SecurityEventStream,
  ) {}

  async record(entry: SignInEntry): Promise<string> {
    const id = randomUUID();
    const cut = (s: string | null | undefined, n: number) => (s ? s.slice(0, n) : null);
    const home = this.homeTenantOf?.(entry);
    const row: SignInRow = {
      id,
      created_at: nowIso(),
      user_id: entry.userId ?? null,
      user_principal_name: cut(entry.userPrincipalName, 320),
      user_display_name: cut(entry.userDisplayName, 256),
      user_type: entry.userType ?? null,
      app_id: cut(entry.appId, 64),
      app_display_name: cut(entry.appDisplayName, 256),
      identity_provider: cut(entry.identityProvider, 64),
      ip_address: cut(entry.ipAddress, 64),
      correlation_id: cut(entry.correlationId, 64),
      is_interactive: entry.isInteractive,
      result: entry.result,
      error_code: entry.errorCode ?? null,
      failure_reason: cut(entry.failureReason, 512),
      failure_detail: cut(entry.failureDetail, 2000),
      conditional_access_status: entry.conditionalAccessStatus ?? 'notApplied',
      applied_policies: JSON.stringify(entry.appliedConditionalAccessPolicies ?? []),
      authentication_requirement: entry.authenticationRequirement ?? 'singleFactorAuthentication',
      mfa_method: entry.mfaMethod ?? null,
      amr: entry.amr ? JSON.stringify(entry.amr) : null,
      home_tenant_id: cut(home?.id, 64),
      home_tenant_name: cut(home?.name, 256),
    };
    await this.db<SignInRow>('sign_ins').insert(row);
    this.stream?.emit('signIn', toGraph(row));
    return id;
  }

  /**
   * Newest first, keyset-paged: the rows after `after` (created_at, id, both descending). Each
   * exact-match filter has an index (column, created_at, id) (migration 20261207_20_directory_indexes),
   * so a page, with or without a createdDateTime range, is one index range read at any depth.
   */
  async list(query: { top: number; after?: { value: string; id: string }; filter?: SignInFilter }, options: ReadOptions = {}): Promise<GraphSignIn[]> {
    const f = query.filter ?? {};
    let q = this.db<SignInRow>('sign_ins');
    const exact: [keyof SignInFilter, keyof SignInRow][] = [
      ['userId', 'user_id'],
      ['appId', 'app_id'],
      ['identityProvider', 'identity_provider'],
      ['result', 'result'],
      ['errorCode', 'error_code'],
      ['conditionalAccessStatus', 'conditional_access_status'],
      ['homeTenantId', 'home_tenant_id'],
    ];
    for (const [key, column] of exact) if (f[key] !== undefined) q = q.where(column, f[key]!);
    if (f.userPrincipalName !== undefined) q = q.whereRaw('lower(user_principal_name) = ?', [f.userPrincipalName.toLowerCase()]);
    if (f.createdAfter !== undefined) q = q.where('created_at', '>=', f.createdAfter);
    if (f.createdBefore !== undefined) q = q.where('created_at', '<=', f.createdBefore);
    if (query.after) q = q.whereRaw('(created_at, id) < (?, ?)', [query.after.value, query.after.id]);
    const rows = await q
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.top);
    return rows.map((row) => toGraph(row, options));
  }

  async get(id: string, options: ReadOptions = {}): Promise<GraphSignIn | undefined> {
    const row = await this.db<SignInRow>('sign_ins').where({ id }).first();
    return row ? toGraph(row, options) : undefined;
  }
}

/** How rows are read: as Graph shows them, or with each policy's reason code too (for the console's languages). */
export interface ReadOptions {
  reasonCodes?: boolean;
}

export type GraphSignIn = ReturnType<typeof toGraph>;

function toGraph(row: SignInRow, options: ReadOptions = {}) {
  return {
    id: row.id,
    createdDateTime: row.created_at,
    userId: row.user_id,
    userPrincipalName: row.user_principal_name,
    userDisplayName: row.user_display_name,
    userType: row.user_type,
    // Graph's cross-tenant fields: the guest's home organisation is the partner Foyer attributes the sign-in to.
    homeTenantId: row.home_tenant_id,
    homeTenantName: row.home_tenant_name,
    crossTenantAccessType: row.user_type === 'Guest' || row.home_tenant_id ? 'b2bCollaboration' : 'none',
    appId: row.app_id,
    appDisplayName: row.app_display_name,
    ipAddress: row.ip_address,
    clientAppUsed: 'Browser',
    correlationId: row.correlation_id,
    isInteractive: Boolean(row.is_interactive),
    status: {
      // Foyer's stable string codes rather than Graph's numbers (docs/decisions.md).
      errorCode: row.error_code,
      failureReason: row.failure_reason,
      // Graph's place for what explains the result: for a failure, its underlying reason (failure_detail).
      additionalDetails: row.result === 'interrupted' ? 'The sign-in was interrupted to ask for more (MFA or terms of use).' : row.failure_detail,
    },
    conditionalAccessStatus: row.conditional_access_status,
    appliedConditionalAccessPolicies: appliedPolicies(row.applied_policies, options),
    authenticationRequirement: row.authentication_requirement,
    mfaDetail: row.mfa_method ? { authMethod: row.mfa_method } : null,
    // Foyer additions.
    result: row.result,
    identityProvider: row.identity_provider,
    authenticationMethodsUsed: row.amr ? (JSON.parse(row.amr) as string[]) : [],
  };
}

function appliedPolicies(stored: string, options: ReadOptions): AppliedPolicy[] {
  const policies = JSON.parse(stored) as AppliedPolicy[];
  return options.reasonCodes ? policies : policies.map(({ why: _why, ...graph }) => graph);
}
