import type { Translator } from '../i18n/translator.js';
import type { MailContent } from './mail-content.js';

/** What each lifecycle mail is about; its wording is in the catalogs (locales/*.json, `mail.<kind>.*`). */
export interface LifecycleMailData {
  sponsorExpiry: { tenant: string; guest: string; guestMail: string; /** The app, or null for every app (the guest account). */ what: string | null; endsOn: string; extendUrl: string; extendDays: number; linkDays: number };
  guestExpiry: { tenant: string; what: string | null; endsOn: string; sponsors: string };
  sponsorInactive: { tenant: string; guest: string; guestMail: string; lastSeen: string; disableOn: string };
  reviewerAsked: { tenant: string; review: string; guests: number; endsOn: string; reviewUrl: string; defaultDecision: 'keep' | 'remove' | 'recommendation' };
}

export type LifecycleMailKind = keyof LifecycleMailData;

/** The subject, heading, paragraphs and button of one lifecycle mail in the translator's language. */
export function lifecycleContent<K extends LifecycleMailKind>(tr: Translator, kind: K, data: LifecycleMailData[K]): MailContent {
  const d = data as LifecycleMailData[LifecycleMailKind] & Record<string, unknown>;
  switch (kind) {
    case 'sponsorExpiry': {
      const s = d as LifecycleMailData['sponsorExpiry'];
      const p = { ...s, what: whatOf(tr, s), endsOn: tr.date(s.endsOn) };
      return {
        subject: tr.t('mail.sponsorExpiry.subject', p),
        heading: tr.t('mail.sponsorExpiry.heading', p),
        paragraphs: [tr.t('mail.sponsorExpiry.situation', p), tr.t('mail.sponsorExpiry.choice', p)],
        action: { label: tr.t('mail.sponsorExpiry.action'), url: s.extendUrl, note: tr.t('mail.sponsorExpiry.note', p) },
      };
    }
    case 'guestExpiry': {
      const g = d as LifecycleMailData['guestExpiry'];
      const p = { ...g, what: whatOf(tr, g), endsOn: tr.date(g.endsOn) };
      return {
        subject: tr.t('mail.guestExpiry.subject', p),
        heading: tr.t('mail.guestExpiry.heading'),
        paragraphs: [tr.t('mail.guestExpiry.situation', p), g.sponsors ? tr.t('mail.guestExpiry.askSponsor', p) : tr.t('mail.guestExpiry.askContact', p)],
      };
    }
    case 'sponsorInactive': {
      const i = d as LifecycleMailData['sponsorInactive'];
      const p = { ...i, lastSeen: tr.date(i.lastSeen), disableOn: tr.date(i.disableOn) };
      return {
        subject: tr.t('mail.sponsorInactive.subject', p),
        heading: tr.t('mail.sponsorInactive.heading', p),
        paragraphs: [tr.t('mail.sponsorInactive.situation', p), tr.t('mail.sponsorInactive.choice', p)],
      };
    }
    default: {
      const r = d as LifecycleMailData['reviewerAsked'];
      const p = { ...r, endsOn: tr.date(r.endsOn), defaultDecision: tr.t(DEFAULT_DECISION[r.defaultDecision]) };
      return {
        subject: tr.t('mail.reviewerAsked.subject', p),
        heading: tr.t('mail.reviewerAsked.heading', p),
        paragraphs: [tr.t('mail.reviewerAsked.situation', p), tr.t('mail.reviewerAsked.when', p)],
        action: { label: tr.t('mail.reviewerAsked.action'), url: r.reviewUrl, note: tr.t('mail.reviewerAsked.note') },
      };
    }
  }
}

/** How the no-answer default is named in the reviewer's mail (message keys). */
const DEFAULT_DECISION: Record<LifecycleMailData['reviewerAsked']['defaultDecision'], string> = {
  keep: 'mail.reviewerAsked.default.keep',
  remove: 'mail.reviewerAsked.default.remove',
  recommendation: 'mail.reviewerAsked.default.recommendation',
};

const whatOf = (tr: Translator, d: { what: string | null; tenant: string }) => d.what ?? tr.t('mail.everyAppOf', { tenant: d.tenant });
