/**
 * JobWakeup through AWS Lambda: an asynchronous `Invoke` (`InvocationType: Event`) of the worker
 * function, which Lambda queues and answers with 202 at once (ADR 0026).
 */
import type { LambdaClient, LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { JobWakeup } from '../ports/job-wakeup';

/** What the worker receives: it needs nothing from it, the name only says why it runs. */
const PAYLOAD = new TextEncoder().encode(JSON.stringify({ source: 'bosun.wakeup' }));

type LambdaSdk = typeof import('@aws-sdk/client-lambda');

export class LambdaJobWakeup implements JobWakeup {
  /** The SDK and the client, loaded and made at the first wake-up (ADR 0029). */
  #connecting: Promise<{ sdk: LambdaSdk; client: LambdaClient }> | undefined;

  constructor(
    private readonly functionName: string,
    private readonly clientConfig: LambdaClientConfig = {},
  ) {}

  async wake(): Promise<void> {
    this.#connecting ??= import('@aws-sdk/client-lambda').then((sdk) => ({
      sdk,
      // Lambda queues an Event invocation at once; a slow answer is not worth holding a request for.
      client: new sdk.LambdaClient({ maxAttempts: 2, ...this.clientConfig }),
    }));
    const { sdk, client } = await this.#connecting;
    const answer = await client.send(new sdk.InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: PAYLOAD }));
    if (answer.StatusCode !== 202) throw new Error(`Lambda answered ${answer.StatusCode ?? 'no status'} to the worker's wake-up`);
  }
}
