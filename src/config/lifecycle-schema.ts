import { z } from 'zod';

const days = (what: string) => z.number().int(`${what} must be a whole number of days`).min(1, `${what} must be at least 1 day`).max(3650, `${what} must be at most 3650 days`);

/**
 * The guest lifecycle Foyer runs by itself (src/lifecycle/): what happens before and when access
 * ends, and how often the sweeps run. Every number is days unless it says otherwise.
 */
export const lifecycleSchema = z
  .strictObject({
    /** How often each deployment-wide sweep runs (once across all nodes). */
    jobIntervalMinutes: z.number().int().min(1).max(1440).default(15),
    expiry: z
      .strictObject({
        /** Sponsors get the extend link, and the guest a notice, this long before access ends. */
        noticeDays: days('noticeDays').default(14),
        /** One click on the link moves the end this far (from the current end). */
        extendDays: days('extendDays').default(90),
        /** How long the extend link works (never past the end it was sent about). */
        linkValidDays: days('linkValidDays').default(14),
      })
      .prefault({}),
    /** Guests who stop signing in: disabled, then deleted (each optional), sponsors told first. */
    inactiveGuests: z
      .strictObject({
        disableAfterDays: days('disableAfterDays').optional(),
        deleteAfterDays: days('deleteAfterDays').optional(),
        /** Sponsors (and the guest) hear this long before the disable. */
        notifyDaysBefore: days('notifyDaysBefore').default(7),
      })
      .optional(),
    /** How long the logs are kept; older entries are purged by a deployment-wide job. Unset: kept. */
    retention: z
      .strictObject({
        directoryAuditDays: days('directoryAuditDays').optional(),
        signInDays: days('signInDays').optional(),
      })
      .prefault({}),
    /** Invitations never redeemed: the pending guest (and their links) deleted this long after the invitation. */
    pendingInvitations: z.strictObject({ deleteAfterDays: days('deleteAfterDays') }).optional(),
  })
  .superRefine((l, ctx) => {
    const inactive = l.inactiveGuests;
    if (!inactive) return;
    if (inactive.disableAfterDays === undefined && inactive.deleteAfterDays === undefined) {
      ctx.addIssue({ code: 'custom', path: ['inactiveGuests'], message: 'set disableAfterDays, deleteAfterDays or both (or leave inactiveGuests out)' });
    }
    if (inactive.disableAfterDays !== undefined && inactive.deleteAfterDays !== undefined && inactive.deleteAfterDays <= inactive.disableAfterDays) {
      ctx.addIssue({ code: 'custom', path: ['inactiveGuests', 'deleteAfterDays'], message: `must be more than disableAfterDays (${inactive.disableAfterDays}): a guest is disabled first, then deleted` });
    }
    if (inactive.disableAfterDays !== undefined && inactive.notifyDaysBefore >= inactive.disableAfterDays) {
      ctx.addIssue({ code: 'custom', path: ['inactiveGuests', 'notifyDaysBefore'], message: `must be less than disableAfterDays (${inactive.disableAfterDays})` });
    }
  })
  .prefault({});

export type LifecycleConfig = z.infer<typeof lifecycleSchema>;
