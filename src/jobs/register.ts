/**
 * Connects each job name to its handler, in the process that works jobs (`bosun start`).
 * Handlers are idempotent: a job may run again after a crash or a retry.
 */
import type { JobWorker } from '../ports/job-queue';
import type { ServiceDeps } from '../services/context';
import type { MailSettings } from '../services/mail';
import type { SitePorts } from '../services/publishing';
import { handleOfficeDecline } from './alert-office-of-decline';
import { handleDomainCleanup } from './clean-up-domain';
import { handleNotifyCrew } from './notify-crew';
import { handleProvisionSite } from './provision-site';
import { handlePublishGuestPage } from './publish-guest-page';
import { GUEST_REMINDER_CRON, handleGuestReminders } from './queue-guest-reminders';
import { handleCrewLoginLink } from './send-crew-login-link';
import { handleCrewReminders, REMINDER_CRON } from './send-crew-reminders';
import { handleSendMail } from './send-mail';
import { handleStaffLoginLink } from './send-staff-login-link';
import { DOMAIN_CLEANUP_SWEEP_CRON, handleDomainCleanupSweep } from './sweep-domain-cleanups';

/**
 * What job handlers may use: the services' dependencies and the ports of side effects. Without
 * `sites`, guest pages are not worked here (a process that publishes nothing, e.g. some tests).
 */
export type JobDeps = ServiceDeps & { mail: MailSettings; sites?: SitePorts | undefined };

/**
 * How many jobs of a mail queue one process runs at once. Sending is mostly waiting for the SMTP
 * server, so several jobs share the pooled connections (adapters/smtp-mailer.ts) instead of queueing
 * behind one another; each job is still sent once per dedupe key, whoever runs it. Sweeps and
 * publishing run one at a time.
 */
export const MAIL_JOB_CONCURRENCY = 4;

export async function registerJobHandlers(worker: JobWorker, deps: JobDeps): Promise<void> {
  const sites = deps.sites;
  const mail = { concurrency: MAIL_JOB_CONCURRENCY };
  if (sites) {
    await worker.work('guest-page.publish', (payload) => handlePublishGuestPage({ ...deps, sites }, payload));
    await worker.work('site.provision', (payload) => handleProvisionSite({ ...deps, sites }, payload));
    await worker.work('site.cleanup', (payload) => handleDomainCleanup({ ...deps, sites }, payload));
    await worker.work('site.cleanup-sweep', (payload) => handleDomainCleanupSweep(deps, payload));
    await worker.schedule('site.cleanup-sweep', DOMAIN_CLEANUP_SWEEP_CRON, { reason: 'schedule' });
  }
  await worker.work('crew.notify', (payload) => handleNotifyCrew(deps, payload), mail);
  await worker.work('crew.login-link', (payload, job) => handleCrewLoginLink(deps, payload, job), mail);
  await worker.work('staff.login-link', (payload, job) => handleStaffLoginLink(deps, payload, job), mail);
  await worker.work('office.crew-declined', (payload, job) => handleOfficeDecline(deps, payload, job), mail);
  await worker.work('crew.remind', (payload) => handleCrewReminders(deps, payload));
  await worker.work('mail.send', (payload, job) => handleSendMail(deps, payload, job.signal), mail);
  await worker.work('guest.remind', (payload) => handleGuestReminders(deps, payload));
  await worker.schedule('crew.remind', REMINDER_CRON, { reason: 'schedule' });
  await worker.schedule('guest.remind', GUEST_REMINDER_CRON, { reason: 'schedule' });
}
