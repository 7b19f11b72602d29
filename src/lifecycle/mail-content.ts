/**
 * One lifecycle mail's wording: what the messages of each language (lifecycle-messages.ts) produce
 * and the branded template (lifecycle-mail.ts) lays out. Its own file so that neither of the two
 * imports the other.
 */
export interface MailContent {
  subject: string;
  heading: string;
  paragraphs: string[];
  action?: { label: string; url: string; note: string };
}
