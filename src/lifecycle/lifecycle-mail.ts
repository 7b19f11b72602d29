import type { PageRenderer } from '../http/render.js';
import type { Logger } from '../logging/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { lifecycleContent, type LifecycleMailData, type LifecycleMailKind } from './lifecycle-messages.js';
import type { MailContent } from './mail-content.js';

/**
 * Lifecycle mails (expiry, inactivity, reviews): one branded template (views/mail/lifecycle*.eta)
 * filled with the wording of the catalogs (lifecycle-messages.ts) in the recipient's language. Sent
 * after the change that caused them has committed; a mail that cannot be delivered is logged, never
 * undoes the change (the audit log has it, and the sponsor can still act from the API or My Apps).
 */
export class LifecycleMail {
  constructor(private readonly deps: { mailer: Mailer; renderer: PageRenderer; logger: Logger }) {}

  /**
   * `lang`: the recipient's language when Foyer knows it (their preferredLanguage; for a guest who
   * has none, their latest invitation's messageLanguage); the nearest catalog speaks it (fr-CA → fr),
   * and the default language anything else.
   */
  async send<K extends LifecycleMailKind>(to: string, kind: K, data: LifecycleMailData[K], lang?: string | null): Promise<boolean> {
    const tr = this.deps.renderer.translatorFor(lang);
    const content = lifecycleContent(tr, kind, data);
    const view = { ...content, privacyLabel: tr.t('mail.privacy') };
    try {
      const [html, text] = await Promise.all([this.deps.renderer.text('mail/lifecycle', view, tr.lang), this.deps.renderer.text('mail/lifecycle-text', view, tr.lang)]);
      await this.deps.mailer.send({ to, subject: content.subject, html, text, primaryLink: content.action?.url });
      return true;
    } catch (err) {
      this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err), kind }, 'a lifecycle mail could not be sent');
      return false;
    }
  }
}

export type { MailContent };
