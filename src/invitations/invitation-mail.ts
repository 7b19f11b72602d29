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
}

/** Renders views/mail/invitation(.txt).eta with the tenant's branding and sends it. */
export async function sendInvitationMail(mailer: Mailer, renderer: PageRenderer, mail: InvitationMail, tenantName: string): Promise<void> {
  const data = { ...mail, expiresOn: mail.expiresAt.slice(0, 10) };
  const [html, text] = await Promise.all([renderer.text('mail/invitation', data), renderer.text('mail/invitation-text', data)]);
  await mailer.send({
    to: mail.to,
    cc: mail.cc,
    subject: `${mail.inviterName} invited you to access ${mail.appName ?? 'applications'} within ${tenantName}`,
    html,
    text,
    primaryLink: mail.redeemUrl,
  });
}
