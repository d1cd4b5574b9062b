/**
 * Job `guest-page.publish`: enqueued with a booking's confirmation, change or cancellation; renders,
 * stores, invalidates and verifies its guest page. Idempotent (an unchanged page is left alone); a
 * failed step is recorded on the booking and thrown, so the queue retries with back-off (ADR 0009).
 */
import { z } from 'zod';
import type { JobPayload } from '../ports/job-queue';
import { type PublishingDeps, publishGuestPage } from '../services/publishing';

export const publishGuestPagePayload = z.object({ tenantId: z.uuid(), bookingId: z.string().min(1).max(16), reason: z.string() });

export async function handlePublishGuestPage(deps: PublishingDeps, payload: JobPayload): Promise<void> {
  const p = publishGuestPagePayload.parse(payload);
  await publishGuestPage(deps, p.tenantId, p.bookingId);
}
