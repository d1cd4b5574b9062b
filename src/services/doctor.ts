/**
 * `bosun doctor`: checks the installation and every site, naming each problem. The configuration
 * itself was validated before this runs (a wrong variable never gets this far).
 */

import { sql } from 'kysely';
import { modeText, type OpenEntry } from '../config/data-folder';
import { listPendingMigrations } from '../db/migrate';
import { listOverlapsKeptFromBefore } from '../db/queries/bookings';
import { listFailingGuestPages, listPendingGuestPages } from '../db/queries/publishing';
import { listAllSites, listSites, listTenants } from '../db/queries/tenants';
import { normalizeHost, reservedHostProblem } from '../domain/hosts';
import type { RunningJob } from '../ports/job-queue';
import { NOT_FOUND_KEY, siteBucket } from '../publish/site-layout';
import type { PublishingDeps } from './publishing';
import { siteCdnStatus } from './site-provisioning';

/**
 * A changed page is published within seconds, and a job its process abandoned is retried within a
 * minute (ADR 0016): a page pending for longer than this is a problem.
 */
const PENDING_TOLERANCE_MINUTES = 5;
/** The longest a job runs in good health: a publish behind CloudFront waits up to 15 minutes for its invalidation. */
const LONG_RUNNING_SECONDS = 20 * 60;

/** Running jobs are healthy unless their process stopped (abandoned) or they run far longer than any job should. */
export function describeRunningJobs(running: readonly RunningJob[]): Check {
  const abandoned = running.filter((j) => j.abandoned);
  const long = running.filter((j) => !j.abandoned && j.runningSeconds > LONG_RUNNING_SECONDS);
  const example = (j: RunningJob | undefined) => (j ? `${j.name} ${j.id}, ${Math.round(j.runningSeconds / 60)} min` : '');
  const problems = [
    ...(abandoned.length > 0
      ? [`${abandoned.length} job(s) abandoned by a process that stopped (e.g. ${example(abandoned[0])}); bosun start retries them`]
      : []),
    ...(long.length > 0
      ? [`${long.length} job(s) running for more than ${LONG_RUNNING_SECONDS / 60} minutes (e.g. ${example(long[0])})`]
      : []),
  ];
  return {
    check: 'jobs running',
    ok: problems.length === 0,
    detail: problems.length === 0 ? `${running.length} running, none for long` : problems.join('; '),
  };
}

/** The data folder holds the database, the signing secret and guests' mail: only its owner may read it. */
export function checkDataFolder(report: DataFolderReport): Check {
  const { dir, open } = report;
  if (open.length === 0) return { check: 'data folder', ok: true, detail: `${dir}: only its owner can read or write it` };
  const named = open
    .slice(0, 5)
    .map((e) => `${e.path === '.' ? dir : e.path} (${modeText(e.mode)})`)
    .join(', ');
  const more = open.length > 5 ? ` and more` : '';
  return {
    check: 'data folder',
    ok: false,
    detail: `${dir}: others can read or write ${named}${more}; run chmod -R go-rwx ${dir} (bosun start closes it too)`,
  };
}

export type Check = { check: string; ok: boolean; detail: string };

/** What doctor is told of the data folder: where it is, and its entries that others may read or write. */
export type DataFolderReport = { dir: string; open: readonly OpenEntry[] };

type SiteRow = { domain: string; role: string; tenant_slug: string };

/**
 * A guest site's host must be its own: not the installation's (the edge would answer every sign-in
 * link), not localhost or an IP address, and not shared with another site (an older installation
 * compared domains with their case).
 */
function checkGuestHosts(sites: readonly SiteRow[], publicHost: string): Check[] {
  const checks: Check[] = [];
  const byHost = new Map<string, SiteRow[]>();
  for (const site of sites) {
    const host = normalizeHost(site.domain);
    byHost.set(host, [...(byHost.get(host) ?? []), site]);
  }
  for (const [host, shared] of byHost) {
    if (shared.length < 2) continue;
    const who = shared.map((s) => `${s.tenant_slug} (${s.role} ${s.domain})`).join(', ');
    checks.push({
      check: `host ${host}`,
      ok: false,
      detail: `answered by ${shared.length} sites: ${who}; move all but one with bosun site domain`,
    });
  }
  for (const site of sites) {
    const problem = site.role === 'guest' ? reservedHostProblem(site.domain, publicHost) : null;
    if (problem) {
      checks.push({
        check: `site ${site.domain}`,
        ok: false,
        detail: `${problem}; move it with bosun site domain ${site.tenant_slug} <host>`,
      });
    }
  }
  if (checks.length === 0 && sites.length > 0)
    checks.push({ check: 'guest hosts', ok: true, detail: 'every guest site has a host of its own' });
  return checks;
}

export async function checkInstallation(
  deps: PublishingDeps,
  options: { cdn: 'local' | 'cloudfront'; platform?: boolean | undefined; dataFolder?: DataFolderReport | undefined },
): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (check: string, ok: boolean, detail: string) => checks.push({ check, ok, detail });

  if (options.dataFolder) checks.push(checkDataFolder(options.dataFolder));

  try {
    await sql`select 1`.execute(deps.db);
    const pending = await listPendingMigrations(deps.db);
    add(
      'database',
      pending.length === 0,
      pending.length === 0 ? 'answers; schema is current' : `migrations not run: ${pending.join(', ')}`,
    );
  } catch (err) {
    add('database', false, `does not answer: ${(err as Error).message}`);
    return checks;
  }

  const failed = await deps.jobs.listFailed(1000);
  add('jobs', failed.length === 0, failed.length === 0 ? 'no failed jobs' : `${failed.length} failed job(s); see bosun jobs`);
  checks.push(describeRunningJobs(await deps.jobs.listRunning(1000)));

  checks.push(...checkGuestHosts(await listAllSites(deps.db), deps.publicHost));

  const tenants = await listTenants(deps.db);
  if (tenants.length === 0) add('tenants', false, 'no tenant yet; create one with bosun tenant create');
  for (const tenant of tenants) {
    const sites = await listSites(deps.db, tenant.id);
    const guest = sites.filter((s) => s.role === 'guest');
    if (guest.length === 0) add(`tenant ${tenant.slug}`, false, 'has no guest site');
    for (const site of guest) {
      const name = `site ${site.domain}`;
      try {
        const notFound = await deps.sites.store.head(siteBucket(site.domain), NOT_FOUND_KEY);
        add(
          name,
          notFound !== null,
          notFound ? 'object store answers; not-found page stored' : 'no not-found page stored yet; run bosun publish',
        );
      } catch (err) {
        add(name, false, `object store fails: ${(err as Error).message}`);
      }
      if (options.cdn === 'cloudfront') {
        const status = siteCdnStatus(site, { cdn: 'cloudfront', platform: options.platform ?? false }, tenant.slug);
        add(`${name} cdn`, status.ok, status.detail);
      }
    }
    const failing = await listFailingGuestPages(deps.db, tenant.id);
    const changedBefore = new Date(deps.clock.now().getTime() - PENDING_TOLERANCE_MINUTES * 60_000);
    const pending = await listPendingGuestPages(deps.db, tenant.id, changedBefore, 1000);
    const problems = [
      ...(failing.length > 0 ? [`${failing.length} page(s) failing, e.g. ${failing[0]?.booking_id}: ${failing[0]?.last_error ?? ''}`] : []),
      ...(pending.length > 0
        ? [
            `${pending.length} page(s) pending for more than ${PENDING_TOLERANCE_MINUTES} minutes, e.g. ${pending[0]?.booking_id} ` +
              `(changed ${pending[0]?.updated_at.toISOString()}); is bosun start running?`,
          ]
        : []),
    ];
    add(`tenant ${tenant.slug} pages`, problems.length === 0, problems.length === 0 ? 'every guest page published' : problems.join('; '));
    // Bookings that overlapped before the rule existed are kept by migration 0004 (ADR 0018): each
    // charter still ahead needs a person to move or cancel one of the two.
    const overlapping = await listOverlapsKeptFromBefore(deps.db, tenant.id, deps.clock.now());
    if (overlapping.length > 0) {
      add(
        `tenant ${tenant.slug} bookings`,
        false,
        `${overlapping.length} upcoming booking(s) overlap another of their vessel from before the rule: ` +
          `${overlapping.map((b) => `${b.id} (${b.vessel_slug}, ${b.starts_at.toISOString()})`).join(', ')}; move or cancel them`,
      );
    }
  }
  return checks;
}
