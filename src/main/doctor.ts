/**
 * `bosun doctor` as the command line runs it: the configuration's own checks and its secrets first, in
 * this process, then the checks of the installation where its data is (here, or in the server that owns
 * the embedded database). A secret that cannot be read is a failed check naming its variable and ARN,
 * not the end: doctor goes on with what it can check without it (nothing of the database when it is
 * the database's credentials). A database that cannot be opened is likewise one failed check.
 */
import { type CommandResult, doctorReport, parseDoctorArgs } from '../cli/commands';
import { type Config, ConfigError } from '../config/env';
import { checkSecrets, resolveSecrets, type SecretsOptions } from '../config/secrets';
import { type Check, checkConfiguration } from '../services/doctor';
import { ServiceError } from '../services/errors';

export type RunCommand = (config: Config, name: string, args: Record<string, unknown>) => Promise<CommandResult>;

export async function runDoctor(
  config: Config,
  args: Record<string, unknown>,
  run: RunCommand,
  options: { secrets?: SecretsOptions } = {},
): Promise<CommandResult> {
  // A wrong argument is refused before anything is opened or asked.
  parseDoctorArgs(args);
  const checks: Check[] = [...checkConfiguration(config)];
  const secrets = await checkSecrets(config, options.secrets);
  for (const s of secrets) {
    checks.push({
      check: `secret ${s.variable}`,
      ok: s.ok,
      detail: s.ok ? `${s.arn} is readable and holds a valid value` : `${s.problem}`,
    });
  }
  const unreadable = (variable: string) => secrets.find((s) => s.variable === variable && !s.ok);
  const database = unreadable('DATABASE_SECRET_ARN');
  if (database) {
    checks.push({
      check: 'database',
      ok: false,
      detail: `not checked: its credentials are in DATABASE_SECRET_ARN (${database.arn}), which cannot be read; nor are the sites and their pages`,
    });
    return doctorReport(checks);
  }
  // What can be read is read; neither the signing secret nor the origin secret is needed to check the
  // installation, and one that cannot be read is already a failed check above.
  const readable = await resolveSecrets(
    {
      ...config,
      ...(unreadable('BOSUN_SECRET_ARN') ? { secretArn: undefined } : {}),
      ...(unreadable('BOSUN_ORIGIN_SECRET_ARN') ? { originSecretArn: undefined } : {}),
    },
    options.secrets,
  );
  try {
    const result = await run(readable, 'doctor', args);
    checks.push(...((result.json.checks ?? []) as Check[]));
  } catch (err) {
    if (err instanceof ServiceError || err instanceof ConfigError) throw err;
    checks.push({ check: 'database', ok: false, detail: `cannot be opened: ${(err as Error).message}` });
  }
  return doctorReport(checks);
}
