/**
 * The `bosun` command line. Parses arguments, then runs a command in-process — or, when a server
 * owns the embedded database, hands it to that server over the control socket (ADR 0005).
 * `--json` prints one JSON object (errors too); otherwise an error is one line on stderr that names
 * each wrong option. Either way a failed command exits non-zero.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { type CommandResult, commands } from '../cli/commands';
import { restrictNewFiles } from '../config/data-folder';
import { type Config, ConfigError, doctorServiceKey, loadConfig } from '../config/env';
import { resolveSecrets } from '../config/secrets';
import { LOGO_TYPES, MAX_LOGO_CHARS } from '../domain/branding';
import { ServiceError, ValidationError } from '../services/errors';
import { compose } from './compose';
import { sendCommand } from './control';
import { acquireDataLock } from './data-lock';
import { runDoctor } from './doctor';
import { DatabaseCreationError } from './embedded-database';
import { createLogger } from './runtime';
import { StartupError, startServer } from './server';

// Before anything is written: the data folder is this user's alone (files 0600, folders 0700).
restrictNewFiles();

type Out = { json: boolean };

function fail(out: Out, err: unknown): never {
  if (err instanceof ServiceError) {
    if (out.json) {
      process.stdout.write(
        `${JSON.stringify({ error: { status: err.status, title: err.title, detail: err.message, errors: err.errors ?? [] } })}\n`,
      );
    } else {
      const fields = (err.errors ?? []).map((e) => `${e.field} ${e.message}`).join('; ');
      process.stderr.write(`bosun: ${err.message}${fields ? ` (${fields})` : ''}\n`);
    }
    process.exit(1);
  }
  if (err instanceof ConfigError || err instanceof StartupError || err instanceof DatabaseCreationError) {
    if (out.json) process.stdout.write(`${JSON.stringify({ error: { title: 'Configuration', detail: err.message } })}\n`);
    else process.stderr.write(`bosun: ${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`bosun: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
}

function print(out: Out, result: CommandResult) {
  process.stdout.write(`${out.json ? JSON.stringify(result.json) : result.text}\n`);
  if (!out.json && result.notice) process.stderr.write(`${result.notice}\n`);
}

/** Commander's collector for an option given several times: `--policy a --policy b` → ['a', 'b']. */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

type Progress = (done: number, total: number) => void;

/** Runs a command where the data is: in this process, or in the server that owns it. */
export async function execute(
  config: Config,
  name: string,
  args: Record<string, unknown>,
  options: { progress?: Progress | undefined } = {},
): Promise<CommandResult> {
  const run = commands[name];
  if (!run) throw new Error(`unknown command ${name}`);
  let lock: { release(): void } | null = null;
  if (!config.databaseUrl) {
    const taken = acquireDataLock(config.dataDir, { role: 'command' });
    if ('heldBy' in taken) {
      if (taken.heldBy.socket) return sendCommand(taken.heldBy.socket, name, args, options.progress);
      throw new ServiceError(409, 'Busy', `The data folder ${config.dataDir} is in use by process ${taken.heldBy.pid}; try again.`);
    }
    lock = taken;
  }
  try {
    const composition = await compose(config, { role: 'command', log: createLogger(config, 'stderr') });
    try {
      return await run({ ...composition.runtime, progress: options.progress }, args);
    } finally {
      await composition.close();
    }
  } finally {
    lock?.release();
  }
}

/** A progress bar on stderr (a terminal only), so stdout keeps just the result. */
function progressBar(label: string): { update: Progress; stop(): void } {
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} pages`, stream: process.stderr, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * `--logo <file>` as the inline image `tenant set` stores (`logoUrl`): guest pages ask no other host,
 * so a logo travels in the page. Read here, where the file is, before the command may go to a server.
 */
function withLogoFile(o: Record<string, unknown>): Record<string, unknown> {
  if (o.logo === undefined) return o;
  const { logo, ...rest } = o;
  const file = String(logo);
  const refuse = (message: string) => new ValidationError([{ field: '--logo', message }], 'Invalid arguments.');
  const type = LOGO_TYPES[extname(file).slice(1).toLowerCase()];
  if (!type) throw refuse('must be a .png, .jpg, .gif or .webp file');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw refuse(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const url = `data:${type};base64,${bytes.toString('base64')}`;
  if (url.length > MAX_LOGO_CHARS) throw refuse(`is ${Math.ceil(bytes.length / 1024)} KB; a logo may be at most 9 KB`);
  return { ...rest, logoUrl: url };
}

function program(): Command {
  const root = new Command('bosun')
    .description('Bosun: charter operations for many operators on one installation.')
    .option('--json', 'print one JSON object')
    .showHelpAfterError()
    .exitOverride();

  const act =
    (name: string, toArgs: (...a: never[]) => Record<string, unknown>, options: { progressLabel?: string } = {}) =>
    async (...a: unknown[]) => {
      const out = { json: Boolean(root.opts().json) };
      const bar = options.progressLabel && !out.json && process.stderr.isTTY ? progressBar(options.progressLabel) : null;
      try {
        const config = await resolveSecrets(loadConfig());
        const result = await execute(config, name, toArgs(...(a as never[])), { progress: bar?.update });
        bar?.stop();
        print(out, result);
        if (result.exitCode) process.exit(result.exitCode);
      } catch (err) {
        bar?.stop();
        fail(out, err);
      }
    };

  root
    .command('start')
    .description('run everything in one process: API, pages, guest sites, job worker')
    .action(async () => {
      const out = { json: Boolean(root.opts().json) };
      try {
        const server = await startServer(await resolveSecrets(loadConfig()));
        const shutdown = async () => {
          await server.stop();
          process.exit(0);
        };
        process.once('SIGINT', shutdown);
        process.once('SIGTERM', shutdown);
      } catch (err) {
        fail(out, err);
      }
    });

  const tenant = root.command('tenant').description('tenants (operators)');
  tenant
    .command('create <slug>')
    .requiredOption('--name <text>', 'display name')
    .requiredOption('--guest-domain <host>', 'host name of the guest site')
    .option('--timezone <IANA>', 'default time zone', 'UTC')
    .action(act('tenant create', (slug: string, o: { name: string; guestDomain: string; timezone: string }) => ({ slug, ...o })));
  tenant.command('list').action(act('tenant list', () => ({})));
  tenant
    .command('set <tenant>')
    .description("change a tenant's name, contact, guest information, branding and crew settings (an empty value clears one)")
    .option('--name <text>', 'display name')
    .option('--timezone <IANA>', 'default time zone of new vessels')
    .option('--contact-email <addr>', 'where guests write to')
    .option('--contact-phone <text>', 'where guests call')
    .option('--what-to-bring <text>', 'an item of the guest page\'s "what to bring" (repeat for several; replaces the list)', collect)
    .option('--clear-what-to-bring', 'empty the "what to bring" list')
    .option('--policy <text>', 'a policy shown to guests (repeat for several; replaces the list)', collect)
    .option('--clear-policies', 'empty the list of policies')
    .option('--checklist-item <text>', "an item of the crew's pre-departure checklist (repeat; replaces the list)", collect)
    .option('--clear-checklist', 'go back to the default checklist')
    .option('--accent-color <#rrggbb>', 'accent colour of guest pages')
    .option('--logo <file>', 'logo shown on guest pages: a .png, .jpg, .gif or .webp file of at most 9 KB, stored inline')
    .option('--logo-url <data:…|/path>', "the logo as an inline data: image or a path on the guest site ('' removes it)")
    .option('--checklist-opens-hours <n>', 'hours before departure the crew checklist opens (default 48)')
    .option('--crew-reminder-hours <n>', 'hours before departure crew are reminded by mail (default 24; 0 turns reminders off)')
    .option('--guest-reminder-hours <n>', 'hours before departure guests are reminded by mail (default 24; 0 turns reminders off)')
    .action(act('tenant set', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...withLogoFile(o) })));

  const key = root.command('key').description('API keys: service keys and dashboard tokens');
  key
    .command('create <tenant>')
    .addOption(new Option('--kind <kind>', 'service or dashboard').choices(['service', 'dashboard']).makeOptionMandatory())
    .option('--scope <scopes>', 'comma-separated: bookings:read,bookings:write,events:write,calendar:write')
    .option('--label <text>', 'what the key is for')
    .action(act('key create', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));
  key.command('list <tenant>').action(act('key list', (tenantSlug: string) => ({ tenant: tenantSlug })));
  key.command('revoke <key-id>').action(act('key revoke', (keyId: string) => ({ keyId })));

  const vessel = root.command('vessel').description('vessels');
  vessel
    .command('add <tenant> <slug>')
    .requiredOption('--name <text>', 'vessel name')
    .option('--capacity <n>', 'guests it may carry')
    .option('--meeting-point <text>', 'where guests board')
    .option('--timezone <IANA>', "the vessel's time zone (default: the tenant's)")
    .option('--turnaround <minutes>', 'time the vessel needs between charters; a booking keeps it this long after its end (default 0)')
    .action(act('vessel add', (tenantSlug: string, slug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, slug, ...o })));
  vessel.command('list <tenant>').action(act('vessel list', (tenantSlug: string) => ({ tenant: tenantSlug })));

  const crew = root.command('crew').description('crew members');
  crew
    .command('add <tenant>')
    .description('add a crew member (the address of a deactivated one reactivates them)')
    .requiredOption('--name <text>', 'full name')
    .requiredOption('--email <addr>', 'e-mail address for notices and sign-in links')
    .option('--phone <text>', 'phone number')
    .addOption(new Option('--role <role>', 'captain or crew').choices(['captain', 'crew']))
    .action(act('crew add', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));
  crew
    .command('list <tenant>')
    .description('active crew members (with --all, deactivated ones too)')
    .option('--all', 'include deactivated crew members')
    .action(act('crew list', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));
  crew
    .command('remove <tenant>')
    .description('deactivate a crew member: ends their sessions and links, takes them off upcoming charters, keeps their history')
    .option('--email <addr>', "the crew member's e-mail address")
    .option('--crew-id <id>', "the crew member's id")
    .action(act('crew remove', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));

  root
    .command('assign <tenant> <booking>')
    .description("put a crew member on a booking's crew event (mails them a sign-in link), as POST /api/v1/events does")
    .option('--email <addr>', "the crew member's e-mail address")
    .option('--crew-id <id>', "the crew member's id")
    .addOption(new Option('--role <role>', 'captain or crew (default: their usual role)').choices(['captain', 'crew']))
    .action(act('assign', (tenantSlug: string, booking: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, booking, ...o })));

  root
    .command('unassign <tenant> <booking>')
    .description(
      "take a crew member off a booking's crew (their access to it ends at once), as DELETE /api/v1/events/{id}/crew/{crewId} does",
    )
    .option('--email <addr>', "the crew member's e-mail address")
    .option('--crew-id <id>', "the crew member's id")
    .action(act('unassign', (tenantSlug: string, booking: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, booking, ...o })));

  const staff = root.command('staff').description('operator staff (dashboard users)');
  staff
    .command('add <tenant>')
    .requiredOption('--name <text>', 'full name')
    .requiredOption('--email <addr>', 'e-mail address for sign-in links')
    .addOption(new Option('--role <role>', 'owner or staff').choices(['owner', 'staff']))
    .action(act('staff add', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));
  staff.command('list <tenant>').action(act('staff list', (tenantSlug: string) => ({ tenant: tenantSlug })));

  const booking = root.command('booking').description('bookings');
  booking
    .command('create <tenant>')
    .description('create a booking, as POST /api/v1/bookings does (the same rules: 409 when the vessel is taken)')
    .requiredOption('--vessel <slug>', 'the vessel')
    .requiredOption('--starts-at <when>', 'ISO 8601 with offset, e.g. 2027-05-30T10:00:00-07:00')
    .requiredOption('--ends-at <when>', 'ISO 8601 with offset')
    .requiredOption('--guest-name <text>', "the guest's name")
    .requiredOption('--guest-email <addr>', "the guest's e-mail address")
    .option('--guest-phone <text>', "the guest's phone")
    .requiredOption('--party-size <n>', 'guests on board')
    .addOption(new Option('--status <status>', 'hold or confirmed (default confirmed)').choices(['hold', 'confirmed']))
    .option('--pricing-total <amount>', 'the price, e.g. 840.75 (staff only)')
    .option('--pricing-currency <code>', 'ISO 4217, e.g. USD')
    .option('--captain-fee-per-hour <amount>', 'staff only')
    .option('--notes-internal <text>', 'for staff only')
    .option('--notes-crew <text>', 'shown to the crew')
    .option('--notes-guest <text>', 'shown on the guest page')
    .option('--friendly-slug <slug>', 'a short address that redirects to the guest page')
    .action(act('booking create', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));
  booking
    .command('cancel <tenant> <booking>')
    .description('cancel a booking, as POST /api/v1/bookings/{id}/cancel does')
    .action(act('booking cancel', (tenantSlug: string, id: string) => ({ tenant: tenantSlug, booking: id })));
  booking
    .command('list <tenant>')
    .description('bookings by start time (at most --limit)')
    .option('--from <when>', "ending after: a day (2026-05-30, in the tenant's zone) or an ISO 8601 date-time with offset")
    .option('--to <when>', 'starting before the end of: a day, or an ISO 8601 date-time with offset')
    .addOption(new Option('--status <status>', 'only this status').choices(['hold', 'confirmed', 'cancelled', 'completed']))
    .option('--limit <n>', 'at most this many (1–500)', '100')
    .action(act('booking list', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));

  root
    .command('calendar')
    .description("the operator's calendar")
    .command('add <tenant>')
    .description('add a calendar entry, as POST /api/v1/calendar does')
    .requiredOption('--date <YYYY-MM-DD>', 'the day')
    .requiredOption('--type <word>', 'a short lower-case word: charter, maintenance, holiday…')
    .option('--booking <ID>', 'the booking it is about')
    .option('--title <text>', 'what to show')
    .action(act('calendar add', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));

  root
    .command('audit <tenant>')
    .description('the audit trail: who changed what, when (newest first)')
    .option('--entity <id>', 'only entries about this booking, key or other entity')
    .action(act('audit', (tenantSlug: string, o: { entity?: string }) => ({ tenant: tenantSlug, ...o })));

  root
    .command('publish <tenant>')
    .description("publish guest pages again (e.g. after a template or branding change): one booking, or all of the tenant's")
    .option('--booking <ID>', 'only this booking')
    .option('--all', 'every booking that has a guest page')
    .option('--concurrency <n>', 'pages rendered and stored at once', '8')
    .action(
      act('publish', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o }), { progressLabel: 'Publishing' }),
    );

  const site = root.command('site').description("the tenant's guest site");
  site
    .command('domain <tenant> <new-host>')
    .description("move the tenant's guest site to another host name (its pages are published again there)")
    .action(act('site domain', (tenantSlug: string, newHost: string) => ({ tenant: tenantSlug, newHost })));
  site
    .command('cdn <tenant>')
    .description('show or set where the guest site is served from with BOSUN_CDN=cloudfront (its distribution, or its distribution tenant)')
    .option('--distribution-id <id>', 'the CloudFront distribution of the guest domain')
    .option('--key-value-store-id <store>', "the KeyValueStore the site's edge function reads friendly slugs from: its name, id or ARN")
    .option('--provision', "make (or find) the site's distribution tenant now and read its state (platform mode)")
    .action(act('site cdn', (tenantSlug: string, o: Record<string, unknown>) => ({ tenant: tenantSlug, ...o })));

  root
    .command('edge-function <tenant>')
    .description("print the CloudFront Function (cloudfront-js-2.0, viewer request) of the tenant's guest site")
    .action(act('edge-function', (tenantSlug: string) => ({ tenant: tenantSlug })));

  root
    .command('doctor')
    .description('check the configuration, the database and every site; non-zero exit on a problem')
    .option('--live <url>', 'also check a deployed guest site over the network, e.g. https://charters.example.com')
    .option('--service-key <key>', 'a service key (bookings:read) to prove the CDN forwards X-Service-Key (or BOSUN_DOCTOR_SERVICE_KEY)')
    .option('--connect-to <host:port>', "with --live: connect here instead of the guest domain's address (as curl's --connect-to)")
    .action(async (o: { live?: string; serviceKey?: string; connectTo?: string }) => {
      const out = { json: Boolean(root.opts().json) };
      try {
        const serviceKey = o.serviceKey ?? (o.live ? doctorServiceKey() : undefined);
        const args = { ...o, ...(serviceKey ? { serviceKey } : {}) };
        const result = await runDoctor(loadConfig(), args, (config, name, a) => execute(config, name, a));
        print(out, result);
        if (result.exitCode) process.exit(result.exitCode);
      } catch (err) {
        fail(out, err);
      }
    });

  root
    .command('jobs')
    .description('failed background jobs with their errors')
    .action(act('jobs', () => ({})));
  return root;
}

try {
  await program().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has shown the error and the usage on stderr; `--json` still gets its one object.
    if (err.exitCode !== 0 && process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify({ error: { status: 400, title: 'Invalid arguments', detail: err.message, errors: [] } })}\n`);
    }
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  throw err;
}
