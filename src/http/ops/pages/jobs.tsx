/**
 * The tenant's failed background jobs under `/app/jobs`: what each was about, its error and attempts,
 * and a retry button. Only this tenant's jobs are listed or retried; another's id is a 404.
 */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { formatInstant } from '../../../domain/time';
import { type FailedJobView, listFailedJobs, retryFailedJob } from '../../../services/jobs';
import { getTenantProfile } from '../../../services/tenants';
import { pageChrome } from '../chrome';
import type { OpsSurfaceDeps } from '../deps';
import { type OpsEnv, staffContext } from '../env';
import { Csrf, Notice, noticeFor } from '../forms';
import { AppPage } from '../views/layout';
import { TableWrap } from '../views/table-wrap';

const NOTICES: Record<string, string> = { retried: 'The job is queued again; it leaves this list once it runs.' };

const JOB_LABELS: Record<string, string> = {
  'guest-page.publish': 'Publish a guest page',
  'crew.notify': 'Mail crew their assignment',
  'crew.login-link': 'Mail a crew sign-in link',
  'staff.login-link': 'Mail a staff sign-in link',
  'office.crew-declined': 'Tell the office of a decline',
  'crew.remind': 'Remind crew before departure',
  'guest.remind': 'Remind guests before departure',
  'site.provision': 'Make the guest site at the CDN',
  'site.cleanup': 'Remove the guest pages left at a former domain',
};

const FailedJobs: FC<{ jobs: FailedJobView[]; zone: string; csrf: string; notice: string | null }> = ({ jobs, zone, csrf, notice }) => (
  <>
    <Notice text={notice} />
    {jobs.length === 0 ? (
      <div class="empty">
        <p>
          No failed jobs: publishing and mail are up to date. A job that runs out of retries appears here with its error, to retry once the
          cause is fixed.
        </p>
        <p>
          <a class="button secondary" href="/app/mail">
            See the outgoing mail
          </a>
        </p>
      </div>
    ) : (
      <>
        <p>These jobs used up their retries. Fix the cause the error names, then retry.</p>
        <TableWrap label="Failed jobs">
          <table>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">About</th>
                <th scope="col">Error</th>
                <th scope="col">Attempts</th>
                <th scope="col">Failed at ({zone})</th>
                <th scope="col">
                  <span class="muted">Retry</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr>
                  <th scope="row">
                    {JOB_LABELS[j.name] ?? j.name} <span class="muted">{j.name}</span>
                  </th>
                  <td>
                    {j.about === null ? (
                      <span class="muted">—</span>
                    ) : j.about.kind === 'booking' ? (
                      <a href={`/app/bookings/${j.about.id}`}>booking {j.about.id}</a>
                    ) : j.about.kind === 'crew member' ? (
                      <a href={`/app/crew/${j.about.id}`}>crew member</a>
                    ) : (
                      `${j.about.kind} ${j.about.id}`
                    )}
                  </td>
                  <td>{j.error}</td>
                  <td>{j.attempts}</td>
                  <td>{j.failedAt ? formatInstant(new Date(j.failedAt), zone) : <span class="muted">—</span>}</td>
                  <td>
                    <form method="post" action={`/app/jobs/${j.id}/retry`}>
                      <Csrf token={csrf} />
                      <button type="submit" class="secondary">
                        Retry
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      </>
    )}
  </>
);

export function createJobPages(deps: OpsSurfaceDeps) {
  const pages = new Hono<OpsEnv>();

  pages.get('/jobs', async (c) => {
    const ctx = staffContext(c);
    const [jobs, tenant] = await Promise.all([listFailedJobs(deps, ctx), getTenantProfile(deps, ctx)]);
    return c.html(
      <AppPage title="Failed jobs" chrome={pageChrome(c, await deps.assets(), 'jobs', { live: true })}>
        <FailedJobs jobs={jobs} zone={tenant.timezone} csrf={c.var.csrf} notice={noticeFor(NOTICES, c.req.query('done'))} />
      </AppPage>,
    );
  });

  pages.post('/jobs/:id/retry', async (c) => {
    await retryFailedJob(deps, staffContext(c), c.req.param('id'));
    return c.redirect('/app/jobs?done=retried', 303);
  });

  return pages;
}
