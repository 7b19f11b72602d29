import { z } from 'zod';

const DAY_MS = 86_400_000;

/**
 * How often a review starts: `every: 90d` (days, or `w` weeks) or an ISO 8601 duration of days or
 * weeks (`P90D`, `P12W`). Months and years are refused: their length varies, and a review cycle
 * measured in days is what Entra's "every N days" schedules mean anyway.
 */
export function parseRecurrence(text: string): number | undefined {
  const short = /^(\d{1,4})([dw])$/.exec(text.trim());
  if (short) return Number(short[1]) * (short[2] === 'w' ? 7 : 1) * DAY_MS;
  const iso = /^P(?:(\d{1,4})W)?(?:(\d{1,4})D)?$/.exec(text.trim());
  if (iso && (iso[1] || iso[2])) return (Number(iso[1] ?? 0) * 7 + Number(iso[2] ?? 0)) * DAY_MS;
  return undefined;
}

const scopeSchema = z.union([
  z.literal('allGuests'),
  z.strictObject({ app: z.string().min(1) }),
  z.strictObject({ group: z.string().min(1) }),
  z.strictObject({ partner: z.string().min(1) }),
]);

const reviewerSchema = z.union([z.literal('sponsors'), z.literal('appOwners'), z.literal('groupOwners'), z.strictObject({ users: z.array(z.email().toLowerCase()).min(1, 'name at least one reviewer') })]);

/**
 * Access reviews (Graph accessReviewScheduleDefinition, simplified; src/reviews/): who is reviewed
 * (scope), by whom, how often, for how long, and what happens to a guest nobody decided on.
 */
export const accessReviewSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, 'must be 2-40 lowercase letters, digits or dashes (review links name it)'),
  displayName: z.string().min(1).max(200),
  scope: scopeSchema,
  reviewers: z.array(reviewerSchema).min(1, 'name at least one kind of reviewer'),
  recurrence: z.strictObject({ every: z.string() }),
  durationInDays: z.number().int().min(1).max(365),
  /** Graph's defaultDecision: Approve (keep), Deny (remove) or Recommendation. */
  defaultDecision: z.enum(['keep', 'remove', 'recommendation']).default('keep'),
});

export type AccessReviewConfig = z.infer<typeof accessReviewSchema>;

interface ReviewsConfigView {
  accessReviews: AccessReviewConfig[];
  apps: { id: string; owners: string[] }[];
  partners: { id: string }[];
  tenant: { memberDomains: string[] };
}

/** What config alone can check: schedules, references to apps and partners, reviewers that fit the scope. */
export function checkAccessReviews(config: ReviewsConfigView, ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  const members = new Set(config.tenant.memberDomains.map((d) => d.toLowerCase()));
  config.accessReviews.forEach((r, i) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path: ['accessReviews', i, ...path], message });
    if (ids.has(r.id)) issue(['id'], `duplicate access review id "${r.id}"`);
    ids.add(r.id);
    const every = parseRecurrence(r.recurrence.every);
    if (every === undefined) issue(['recurrence', 'every'], `"${r.recurrence.every}" is not a schedule: write e.g. 90d, 12w or P90D`);
    else if (every < r.durationInDays * DAY_MS) issue(['durationInDays'], `a review lasts ${r.durationInDays} days but a new one starts every ${every / DAY_MS}: make it last at most as long as the recurrence`);
    const scope = r.scope;
    const app = typeof scope === 'object' && 'app' in scope ? config.apps.find((a) => a.id === scope.app) : undefined;
    if (typeof scope === 'object' && 'app' in scope && !app) issue(['scope', 'app'], `unknown app "${scope.app}" (not in apps)`);
    if (typeof scope === 'object' && 'partner' in scope && !config.partners.some((p) => p.id === scope.partner)) issue(['scope', 'partner'], `unknown partner "${scope.partner}" (not in partners)`);
    r.reviewers.forEach((rev, j) => {
      if (rev === 'appOwners' && !app) issue(['reviewers', j], 'appOwners reviews need an app scope (scope: { app: … })');
      if (rev === 'appOwners' && app && !app.owners.length) issue(['reviewers', j], `app "${app.id}" has no owners to review it (apps[].owners)`);
      if (rev === 'groupOwners' && !(typeof scope === 'object' && 'group' in scope)) issue(['reviewers', j], 'groupOwners reviews need a group scope (scope: { group: … })');
      // Reviewers are people of the host: a guest (or a typo'd domain) deciding on guests is refused.
      if (typeof rev === 'object')
        rev.users.forEach((mail, k) => {
          if (!members.has(mail.split('@')[1]!)) issue(['reviewers', j, 'users', k], `unknown reviewer "${mail}": reviewers must be members (an address in tenant.memberDomains)`);
        });
    });
  });
}
