/**
 * JobWakeup through AWS Lambda: an asynchronous `Invoke` (`InvocationType: Event`) of the worker
 * function, which Lambda queues and answers with 202 at once (ADR 0026).
 */
import { InvokeCommand, LambdaClient, type LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { JobWakeup } from '../ports/job-wakeup';

/** What the worker receives: it needs nothing from it, the name only says why it runs. */
const PAYLOAD = new TextEncoder().encode(JSON.stringify({ source: 'bosun.wakeup' }));

export class LambdaJobWakeup implements JobWakeup {
  private readonly client: LambdaClient;

  constructor(
    private readonly functionName: string,
    clientConfig: LambdaClientConfig = {},
  ) {
    // Lambda queues an Event invocation at once; a slow answer is not worth holding a request for.
    this.client = new LambdaClient({ maxAttempts: 2, ...clientConfig });
  }

  async wake(): Promise<void> {
    const answer = await this.client.send(
      new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: PAYLOAD }),
    );
    if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode ?? 'no status'} to the worker's wake-up`);
  }
}
