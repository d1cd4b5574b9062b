/**
 * Runs a bundled Lambda handler in this process, one invocation at a time as a Lambda instance does:
 * reads `{"id", "event"}` lines on stdin and writes `{"id", "result"}` (or `{"id", "error"}`) lines on
 * file descriptor 3, so the handler's own log lines on stdout and stderr stay apart.
 * Usage: node lambda-runner.mjs <path of the bundle's index.mjs>
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
if (!bundle) throw new Error('usage: node lambda-runner.mjs <bundle index.mjs>');
const { handler } = await import(pathToFileURL(bundle).href);
const results = createWriteStream('', { fd: 3 });

let invocations = 0;
const context = () => {
  invocations++;
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'bosun-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:bosun-api',
    memoryLimitInMB: '1024',
    awsRequestId: `00000000-0000-4000-8000-${String(invocations).padStart(12, '0')}`,
    logGroupName: '/aws/lambda/bosun-api',
    logStreamName: `2026/11/30/[$LATEST]${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
};

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, event } = JSON.parse(line);
  let answer;
  try {
    answer = { id, result: await handler(event, context()) };
  } catch (err) {
    answer = { id, error: err instanceof Error ? err.message : String(err) };
  }
  results.write(`${JSON.stringify(answer)}\n`);
}
results.end();
