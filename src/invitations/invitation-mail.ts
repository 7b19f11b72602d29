import type { PageRenderer } from '../http/render.js';
import type { Mailer } from '../mail/mailer.js';

export interface InvitationMail {
  to: string;
  cc: string[];
  inviterName: string;
  guestName: string;
  appName?: string;
  redeemUrl: string;
  customMessage?: string | null;
  expiresAt: string;
  /** The guest's contact at the host (a partner's invitation defaults). */
  sponsor?: string;
  /** Graph's invitedUserMessageInfo.messageLanguage (en-US, fr-FR…): the mail's language when a catalog speaks it, else the default. */
  language?: string | null;
}

/** Renders views/mail/invitation(.txt).eta with the tenant's branding, in the invitation's language, and sends it. */
export async function sendInvitationMail(mailer: Mailer, renderer: PageRenderer, mail: InvitationMail, tenantName: string): Promise<void> {
  const tr = renderer.translatorFor(mail.language);
  const [html, text] = await Promise.all([renderer.text('mail/invitation', { ...mail }, tr.lang), renderer.text('mail/invitation-text', { ...mail }, tr.lang)]);
  await mailer.send({
    to: mail.to,
    cc: mail.cc,
    subject: mail.appName
      ? tr.t('mail.invitation.subjectApp', { inviter: mail.inviterName, app: mail.appName, tenant: tenantName })
      : tr.t('mail.invitation.subject', { inviter: mail.inviterName, tenant: tenantName }),
    html,
    text,
    primaryLink: mail.redeemUrl,
  });
}
