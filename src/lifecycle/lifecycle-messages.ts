import type { MailContent } from './mail-content.js';

/** What each lifecycle mail says; one object per language (add one to translate, same keys). */
export interface LifecycleMessage {
  lang: string;
  privacyLabel: string;
  sponsorExpiry(d: { tenant: string; guest: string; guestMail: string; what: string; endsOn: string; extendUrl: string; extendDays: number; linkDays: number }): MailContent;
  guestExpiry(d: { tenant: string; what: string; endsOn: string; sponsors: string }): MailContent;
  sponsorInactive(d: { tenant: string; guest: string; guestMail: string; lastSeen: string; disableOn: string }): MailContent;
  reviewerAsked(d: { tenant: string; review: string; guests: number; endsOn: string; reviewUrl: string; defaultDecision: string }): MailContent;
}

const day = (iso: string) => iso.slice(0, 10);

const en: LifecycleMessage = {
  lang: 'en',
  privacyLabel: 'Privacy statement',
  sponsorExpiry: (d) => ({
    subject: `${d.guest}'s access to ${d.what} ends on ${day(d.endsOn)}`,
    heading: `${d.guest}'s access ends soon`,
    paragraphs: [
      `You sponsor ${d.guest} (${d.guestMail}), a guest of ${d.tenant}. Their access to ${d.what} ends on ${day(d.endsOn)}.`,
      `If they still need it, extend it by ${d.extendDays} days. If not, do nothing: access ends by itself.`,
    ],
    action: { label: 'Review and extend', url: d.extendUrl, note: `The link asks you to sign in and confirm. It works once, for you only, for ${d.linkDays} days at most and never past the end date.` },
  }),
  guestExpiry: (d) => ({
    subject: `Your access to ${d.what} at ${d.tenant} ends on ${day(d.endsOn)}`,
    heading: 'Your access ends soon',
    paragraphs: [
      `Your access to ${d.what} at ${d.tenant} ends on ${day(d.endsOn)}.`,
      d.sponsors ? `If you still need it, ask your sponsor: ${d.sponsors}.` : `If you still need it, ask your contact at ${d.tenant}.`,
    ],
  }),
  sponsorInactive: (d) => ({
    subject: `${d.guest} will be disabled on ${day(d.disableOn)} for inactivity`,
    heading: `${d.guest} has not signed in for a while`,
    paragraphs: [
      `You sponsor ${d.guest} (${d.guestMail}), a guest of ${d.tenant}. They last signed in on ${day(d.lastSeen)}.`,
      `Unless they sign in before ${day(d.disableOn)}, their account will be disabled. If they still need access, ask them to sign in; if not, do nothing.`,
    ],
  }),
  reviewerAsked: (d) => ({
  subject: `Access review: ${d.review} (${d.guests} guest${d.guests === 1 ? '' : 's'}, until ${day(d.endsOn)})`,
  heading: `Please review ${d.guests === 1 ? 'a guest' : `${d.guests} guests`} of ${d.tenant}`,
  paragraphs: [
    `You are asked to review who still needs access in "${d.review}". For each guest, approve (keep) or deny (remove). The page shows when each last signed in.`,
    `Decisions are applied on ${day(d.endsOn)}. Guests nobody decided on are then handled by the default: ${d.defaultDecision}.`,
  ],
  action: { label: 'Open the review', url: d.reviewUrl, note: 'The page asks you to sign in; only the reviewers of this review can see it.' },
  }),
};

const LANGUAGES: Record<string, LifecycleMessage> = { en };

/** The messages for a language tag (en-US → en), English when there is no translation. */
export function lifecycleMessages(tag: string): LifecycleMessage {
  return LANGUAGES[tag] ?? LANGUAGES[tag.split('-')[0]!.toLowerCase()] ?? en;
}

export { day as dayOf };
