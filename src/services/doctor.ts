/**
 * `bosun doctor`: checks the installation and every site, naming each problem. The configuration
 * itself was validated before this runs (a wrong variable never gets this far).
 */

import { sql } from 'kysely';
import { modeText, type OpenEntry } from '../config/data-folder';
import { gotValue } from '../config/env';
import { listPendingMigrations } from '../db/migrate';
import { listOverlapsKeptFromBefore } from '../db/queries/bookings';
import { listFailingGuestPages, listPendingGuestPages } from '../db/queries/publishing';
import { listAllSites, listSites, listTenants } from '../db/queries/tenants';
import { normalizeHost, reservedHostProblem } from '../domain/hosts';
import type { CdnSite } from '../ports/cdn';
import type { RunningJob } from '../ports/job-queue';
import { NOT_FOUND_KEY, siteBucket } from '../publish/site-layout';
import { getEdgeFunction, type PublishingDeps, readSiteCdn } from './publishing';
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

/** One finding: `ok` false is a problem (one line that says what to fix); `skipped` a check not run, and how to run it. */
export type Check = { check: string; ok: boolean; detail: string; skipped?: true };

/**
 * What doctor reads of the configuration to tell whether the set-up is complete. The variables that
 * name a secret in Secrets Manager (`*_ARN`) count as set: whether they can be read is checked apart.
 */
export type SetUp = {
  cdn: 'cloudfront' | undefined;
  objectStore: string | undefined;
  publicUrl: string;
  secret: string | undefined;
  secretArn?: string | undefined;
  databaseUrl: string | undefined;
  databaseSecretArn?: string | undefined;
  smtpUrl: string | undefined;
  /** Mail through Amazon SES (`BOSUN_MAIL=ses://REGION`), when configured. */
  sesMail?: unknown;
};

/**
 * The configuration is complete for the set-up it chooses. Behind CloudFront (several instances, no
 * shared disk) guest pages live in S3, the installation answers on https, every instance signs with
 * one secret and shares one database server, and mail leaves through a server: each missing piece is
 * one problem naming its variable. A local set-up (one process, its data folder) needs none of them.
 */
export function checkConfiguration(setUp: SetUp): Check[] {
  if (setUp.cdn !== 'cloudfront') {
    return [
      {
        check: 'configuration',
        ok: true,
        detail: `one server: ${setUp.objectStore ? 'guest sites in S3' : 'guest sites in the data folder'}, served by its local edge`,
      },
    ];
  }
  const problems: Check[] = [];
  const need = (variable: string, detail: string) => problems.push({ check: `configuration ${variable}`, ok: false, detail });
  if (!setUp.objectStore?.startsWith('s3://')) {
    need(
      'BOSUN_OBJECT_STORE',
      'not set; with BOSUN_CDN=cloudfront guest pages are stored in the S3 bucket behind the distribution: set BOSUN_OBJECT_STORE=s3://BUCKET/PREFIX?region=REGION',
    );
  }
  if (!setUp.publicUrl.startsWith('https://')) {
    need(
      'BOSUN_PUBLIC_URL',
      `is not https${gotValue('BOSUN_PUBLIC_URL', setUp.publicUrl)}; behind CloudFront it must be the installation's https:// address (sign-in links and form origins are built from it)`,
    );
  }
  if (!setUp.secret && !setUp.secretArn) {
    need(
      'BOSUN_SECRET_ARN',
      'neither BOSUN_SECRET_ARN nor BOSUN_SECRET is set; every instance must sign sessions with the same secret (a generated one lives in one data folder only)',
    );
  }
  if (!setUp.databaseUrl && !setUp.databaseSecretArn) {
    need(
      'DATABASE_SECRET_ARN',
      'neither DATABASE_SECRET_ARN nor DATABASE_URL is set; every instance must share one PostgreSQL server (the embedded database lives in one data folder only)',
    );
  }
  if (!setUp.smtpUrl && !setUp.sesMail) {
    need(
      'SMTP_URL',
      'neither SMTP_URL nor BOSUN_MAIL is set; mail would only be written to the data folder of one instance: set BOSUN_MAIL=ses://REGION or SMTP_URL',
    );
  }
  if (problems.length > 0) return problems;
  return [
    {
      check: 'configuration',
      ok: true,
      detail: 'CloudFront: guest sites in S3, an https address, one signing secret, a PostgreSQL server and a mail server',
    },
  ];
}

/** A guest site's place at the CDN, from its stored CDN record (a malformed field counts as none). */
export function cdnSiteOf(site: { domain: string; cdn: unknown }): CdnSite {
  const record = readSiteCdn(site.cdn);
  return { domain: site.domain, distributionId: record.distributionId, distributionTenantId: record.distributionTenant?.id };
}

/**
 * Platform mode's one multi-tenant distribution, as doctor needs it: its id, and the KeyValueStore its
 * one viewer-request function reads (which the generated function names).
 */
export type PlatformDistribution = { distributionId: string; keyValueStoreArn: string };

/** Where two texts first differ, counted in lines from 1. */
function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  let i = 0;
  while (i < left.length && i < right.length && left[i] === right[i]) i++;
  return i + 1;
}

/** Why CloudFront's API could not tell, in one line that says what to do. */
function cloudFrontRefusal(err: unknown, distributionId: string, tenantSlug: string, platform: boolean): string {
  const e = err as { name?: string; message?: string };
  switch (e.name) {
    case 'NoSuchDistribution':
      return platform
        ? `distribution ${distributionId} does not exist in this account (NoSuchDistribution); set BOSUN_CLOUDFRONT_DISTRIBUTION_ID to the multi-tenant distribution's id`
        : `distribution ${distributionId} does not exist in this account (NoSuchDistribution); set the right one with bosun site cdn ${tenantSlug} --distribution-id ID`;
    case 'AccessDenied':
    case 'AccessDeniedException':
      return `CloudFront refused to show distribution ${distributionId} (${e.name}); doctor's credentials need cloudfront:GetDistributionConfig and cloudfront:GetFunction`;
    default:
      return `CloudFront could not be asked about distribution ${distributionId}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
  }
}

/**
 * The function deployed in front of a guest site is the one Bosun generates for it, byte for byte
 * (the system Bosun replaces broke when its CDN function and its upload layout disagreed): the code
 * `bosun edge-function` prints. In platform mode that is the multi-tenant distribution's one function,
 * the same for every site. An edge that runs the generated function itself (the local edge) passes as
 * it is.
 */
export async function checkSiteFunction(
  deps: PublishingDeps,
  site: CdnSite,
  tenantSlug: string,
  options: { name?: string | undefined; platform?: PlatformDistribution | undefined } = {},
): Promise<Check> {
  const platform = options.platform;
  const name = options.name ?? (platform ? `distribution ${platform.distributionId} function` : `site ${site.domain} function`);
  const cdn = deps.sites.cdn;
  if (!cdn.deployedFunction) return { check: name, ok: true, detail: 'the local edge runs the generated function' };
  const distributionId = platform?.distributionId ?? site.distributionId;
  if (!distributionId) {
    return {
      check: name,
      ok: false,
      detail: `not checked: ${site.domain} has no distribution id; set it with bosun site cdn ${tenantSlug} --distribution-id ID`,
    };
  }
  const expected = (await getEdgeFunction(deps, tenantSlug, platform && { keyValueStoreArn: platform.keyValueStoreArn })).code;
  let deployed: Awaited<ReturnType<NonNullable<typeof cdn.deployedFunction>>>;
  try {
    deployed = await cdn.deployedFunction({ ...site, distributionId });
  } catch (err) {
    return { check: name, ok: false, detail: cloudFrontRefusal(err, distributionId, tenantSlug, platform !== undefined) };
  }
  if (!deployed.found) {
    return {
      check: name,
      ok: false,
      detail: `${deployed.problem}; create a function (runtime cloudfront-js-2.0) from bosun edge-function ${tenantSlug}, publish it and associate it with viewer requests`,
    };
  }
  const where = `CloudFront function ${deployed.name} (LIVE, on distribution ${deployed.distributionId})`;
  if (Buffer.from(deployed.code).equals(Buffer.from(expected, 'utf8'))) {
    return { check: name, ok: true, detail: `${where} is the generated one` };
  }
  const line = firstDifferentLine(Buffer.from(deployed.code).toString('utf8'), expected);
  const fn = deployed.name;
  return {
    check: name,
    ok: false,
    detail:
      `${where} differs from the generated one from line ${line}; deploy it: bosun edge-function ${tenantSlug} > edge.js && ` +
      `aws cloudfront update-function --name ${fn} --function-code fileb://edge.js ` +
      `--function-config "$(aws cloudfront describe-function --name ${fn} --query FunctionSummary.FunctionConfig)" ` +
      `--if-match "$(aws cloudfront describe-function --name ${fn} --query ETag --output text)" && ` +
      `aws cloudfront publish-function --name ${fn} --if-match "$(aws cloudfront describe-function --name ${fn} --query ETag --output text)"`,
  };
}

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
  options: {
    cdn: 'local' | 'cloudfront';
    /** Platform mode: every guest site a distribution tenant of this one distribution (ADR 0027). */
    platform?: PlatformDistribution | undefined;
    dataFolder?: DataFolderReport | undefined;
  },
): Promise<Check[]> {
  const checks: Check[] = [];
  let platformChecked = false;
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
        const status = siteCdnStatus(site, { cdn: 'cloudfront', platform: options.platform !== undefined }, tenant.slug);
        add(`${name} cdn`, status.ok, status.detail);
        if (options.platform) {
          // One function serves every site of the multi-tenant distribution: it is checked once.
          if (!platformChecked) checks.push(await checkSiteFunction(deps, cdnSiteOf(site), tenant.slug, { platform: options.platform }));
          platformChecked = true;
        } else if (status.ok) {
          checks.push(await checkSiteFunction(deps, cdnSiteOf(site), tenant.slug));
        }
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
