/**
 * `bosun doctor` as the command line runs it: the configuration's own checks first, in this process,
 * then the checks of the installation where its data is (here, or in the server that owns the embedded
 * database). A database that cannot be opened is one failed check among the others, not the end.
 */
import { type CommandResult, doctorReport, parseDoctorArgs } from '../cli/commands';
import { type Config, ConfigError } from '../config/env';
import { type Check, checkConfiguration } from '../services/doctor';
import { ServiceError } from '../services/errors';

export type RunCommand = (config: Config, name: string, args: Record<string, unknown>) => Promise<CommandResult>;

export async function runDoctor(config: Config, args: Record<string, unknown>, run: RunCommand): Promise<CommandResult> {
  // A wrong argument is refused before anything is opened or asked.
  parseDoctorArgs(args);
  const checks: Check[] = [...checkConfiguration(config)];
  try {
    const result = await run(config, 'doctor', args);
    checks.push(...((result.json.checks ?? []) as Check[]));
  } catch (err) {
    if (err instanceof ServiceError || err instanceof ConfigError) throw err;
    checks.push({ check: 'database', ok: false, detail: `cannot be opened: ${(err as Error).message}` });
  }
  return doctorReport(checks);
}
