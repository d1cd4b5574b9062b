/**
 * A guest page's two files — the page and its calendar file — rendered with their SHA-256, from the
 * booking's guest view alone (ADR 0008: the view is all a page sees). The same function runs inline and
 * in the render pool's workers (ADR 0032), so both produce the same bytes.
 */
import { createHash } from 'node:crypto';
import { renderGuestCalendar } from './guest-calendar';
import { renderGuestPage, type SiteTenant } from './guest-page';

/** One page to render: the booking's guest view and the revision its calendar file carries. */
export type PageInput = { bookingId: string; view: unknown; revision: { version: number; updatedAt: Date } };

/** What every page of one site shares. */
export type PageSite = { domain: string; tenant: SiteTenant };

export type PageFiles = { bookingId: string; page: string; pageHash: string; calendar: string; calendarHash: string };

/** A page's files, or the message of the error that kept it from rendering (the others still render). */
export type RenderedPage = PageFiles | { bookingId: string; error: string };

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

export function renderPageFiles(site: PageSite, input: PageInput): PageFiles {
  const page = renderGuestPage(input.view, site.tenant);
  const calendar = renderGuestCalendar(input.view, { domain: site.domain, tenantName: site.tenant.name }, input.revision);
  return { bookingId: input.bookingId, page, pageHash: sha256(page), calendar, calendarHash: sha256(calendar) };
}

/** Renders each page; a page that fails is answered with its error, not thrown. */
export function renderPages(site: PageSite, inputs: readonly PageInput[]): RenderedPage[] {
  return inputs.map((input) => {
    try {
      return renderPageFiles(site, input);
    } catch (err) {
      return { bookingId: input.bookingId, error: err instanceof Error ? err.message : String(err) };
    }
  });
}
