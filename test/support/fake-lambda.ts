/**
 * A local HTTP server on 127.0.0.1 that speaks Lambda's Invoke (REST, 2015-03-31):
 * `POST /2015-03-31/functions/{FunctionName}/invocations`. An `Event` invocation of a known function is
 * queued and answered 202 with no body, as Lambda does; an unknown function gets Lambda's 404
 * `ResourceNotFoundException`. It records every invocation.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeInvocation = { functionName: string; invocationType: string; payload: string; authorization: string };

export class FakeLambda {
  readonly invocations: FakeInvocation[] = [];
  private readonly server = createServer((req, res) => {
    this.answer(req, res).catch(() => res.destroy());
  });

  private constructor(readonly functions: Set<string>) {}

  static async start(functions: string[]): Promise<FakeLambda & { url: string }> {
    const fake = new FakeLambda(new Set(functions));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    return Object.assign(fake, { url: `http://127.0.0.1:${port}` });
  }

  private async answer(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method !== 'POST' || !match) return this.error(res, 404, 'UnknownOperationException', 'Unknown operation');
    const functionName = decodeURIComponent(match[1] ?? '');
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (!this.functions.has(functionName)) {
      return this.error(
        res,
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
      );
    }
    this.invocations.push({
      functionName,
      invocationType,
      payload: Buffer.concat(chunks).toString('utf8'),
      authorization: String(req.headers.authorization ?? ''),
    });
    const requestId = `${this.invocations.length}`.padStart(8, '0');
    if (invocationType === 'Event') {
      res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': '0' });
      return res.end();
    }
    res.writeHead(200, { 'x-amzn-requestid': requestId, 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
    res.end('null');
  }

  private error(res: ServerResponse, status: number, type: string, message: string) {
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': 'err' });
    res.end(JSON.stringify({ Type: 'User', message }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
