/** Runs an operator's command in-process, as the CLI does after parsing its arguments. */
import { type CommandResult, type CommandRuntime, commands } from '../../src/cli/commands';

export function runCommand(runtime: CommandRuntime, name: string, args: Record<string, unknown>): Promise<CommandResult> {
  const command = commands[name];
  if (!command) throw new Error(`no command ${name}`);
  return command(runtime, args);
}
