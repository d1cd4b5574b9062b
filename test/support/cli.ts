/** The `bosun` command as a person runs it in a terminal: a real process on a data target's environment. */
import { expect } from 'vitest';
import { type Finished, oneJsonObject, runBosun } from './processes';

/** Runs `bosun` with the environment `env()` gives at each call: as is, for one JSON object, or for its text. */
export function cliRunner(env: () => NodeJS.ProcessEnv) {
  const bosun = (...args: string[]) => runBosun(args, env());
  /** A command that must succeed with `--json`: its one JSON object. */
  const json = async (...args: string[]): Promise<Record<string, any>> => {
    const run = await bosun(...args, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return oneJsonObject(run.stdout);
  };
  /** A command that must succeed: what it printed. */
  const text = async (...args: string[]): Promise<string> => {
    const run = await bosun(...args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return run.stdout;
  };
  return { bosun, json, text };
}

/** A command that must fail: non-zero exit, nothing on stdout, one line on stderr (returned). */
export function oneLineError(run: Finished): string {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}
