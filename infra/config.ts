/**
 * The deployment configuration of one Bosun installation on AWS (`infra/bosun.config.json`), read and
 * checked before anything is synthesized: a wrong field stops with one line naming it. Every field is
 * described in infra/README.md.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const hostName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case host name like ops.example.com');

/** CloudFront takes viewer certificates only from ACM in us-east-1. */
const cloudFrontCertificateArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/,
    'must be an ACM certificate ARN in us-east-1 (CloudFront takes certificates only from there)',
  );

const schema = z
  .strictObject({
    $comment: z.string().optional(),
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must start with a letter and hold only letters, digits and dashes (at most 64)')
      .default('Bosun'),
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region like eu-west-1'),
    availabilityZones: z
      .array(z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d[a-z]$/, 'must be availability zones like eu-west-1a'))
      .length(2, 'must name exactly two availability zones (the database needs two)')
      .optional(),
    mode: z.enum(['platform', 'single'], { error: 'must be "platform" (many operators) or "single" (one operator)' }),
    platform: z.strictObject({ domain: hostName, certificateArn: cloudFrontCertificateArn }),
    single: z
      .strictObject({
        domain: hostName,
        certificateArn: cloudFrontCertificateArn,
        tenant: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be the operator's tenant slug in Bosun"),
      })
      .optional(),
    database: z
      .strictObject({
        instanceType: z
          .string()
          .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'must be an RDS instance type without the "db." prefix, like t4g.micro')
          .default('t4g.micro'),
        storageGiB: z.number().int().min(20, 'must be at least 20').max(65536).default(20),
        maxStorageGiB: z.number().int().max(65536).default(100),
        multiAz: z.boolean().default(false),
        backupDays: z.number().int().min(1, 'must be at least 1').max(35, 'must be at most 35').default(7),
      })
      .prefault({}),
    mail: z.strictObject({
      fromDomain: hostName,
      from: z.email('must be an e-mail address like bosun@example.com').optional(),
    }),
    functions: z
      .strictObject({
        apiMemoryMiB: z.number().int().min(128).max(10240).default(1024),
        workerMemoryMiB: z.number().int().min(128).max(10240).default(1024),
        workerTimeoutSeconds: z
          .number()
          .int()
          .min(120, 'must be at least 120 (the worker stops taking jobs a minute before its end)')
          .max(900, "must be at most 900 (Lambda's limit)")
          .default(900),
        // An open live page holds an instance at most half the time (streams of 10 s, 10 s apart) and two
        // database connections while it does; 30 instances hold at most 60 of a t4g.micro's ~80 (ADR 0028).
        apiReservedConcurrency: z
          .number()
          .int()
          .min(1, 'must be at least 1 (0 would stop the API)')
          .max(1000, 'must be at most 1000')
          .default(30),
      })
      .prefault({}),
    api: z
      .strictObject({
        // Requests per second API Gateway passes on, steadily, and at once; more are answered 429.
        rateLimit: z.number().int().min(1, 'must be at least 1').max(10000, 'must be at most 10000').default(50),
        burstLimit: z.number().int().min(1, 'must be at least 1').max(5000, 'must be at most 5000').default(100),
        // An AWS WAF web ACL of CloudFront scope (made in us-east-1, e.g. with a rate-based rule per client)
        // put on every distribution the API is reached through; absent, none (it costs money; ADR 0028).
        webAclArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]{1,128}\/[0-9a-f-]{36}$/,
            'must be the ARN of a CloudFront-scope AWS WAF web ACL (us-east-1, global/webacl/NAME/ID)',
          )
          .optional(),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'single' && !c.single)
      ctx.addIssue({
        code: 'custom',
        path: ['single'],
        message: 'is required in single mode: the guest domain, its certificate and tenant',
      });
    if (c.mode === 'platform' && c.single)
      ctx.addIssue({ code: 'custom', path: ['single'], message: 'is for single mode only; platform mode makes guest domains at run time' });
    if (c.single && c.single.domain === c.platform.domain)
      ctx.addIssue({ code: 'custom', path: ['single', 'domain'], message: 'must differ from platform.domain (the app has its own host)' });
    if (c.database.maxStorageGiB < c.database.storageGiB)
      ctx.addIssue({ code: 'custom', path: ['database', 'maxStorageGiB'], message: 'must be at least database.storageGiB' });
    if (c.mail.from && !c.mail.from.toLowerCase().endsWith(`@${c.mail.fromDomain}`))
      ctx.addIssue({ code: 'custom', path: ['mail', 'from'], message: 'must be an address at mail.fromDomain (the SES identity)' });
    if (c.availabilityZones?.some((zone) => !zone.startsWith(c.region)))
      ctx.addIssue({ code: 'custom', path: ['availabilityZones'], message: `must be zones of the region ${c.region}` });
  });

export type DeploymentConfig = z.output<typeof schema>;

export class DeploymentConfigError extends Error {
  override name = 'DeploymentConfigError';
}

/** Checks a parsed configuration; the error names the file, the first wrong field and what it must be. */
export function parseDeploymentConfig(input: unknown, source = 'the deployment configuration'): DeploymentConfig {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : '(the file)';
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `${field === '(the file)' ? '' : `${field}.`}${k}`).join(', ')}`
      : issue.code === 'invalid_type' && issue.input === undefined
        ? `${field}: is required`
        : `${field}: ${issue.message}`;
  throw new DeploymentConfigError(`${source}: ${message}`);
}

/** Reads and checks a configuration file. */
export function readDeploymentConfig(file: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeploymentConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DeploymentConfigError(`${file}: is not JSON (${(err as Error).message})`);
  }
  return parseDeploymentConfig(json, file);
}

/** The sender address of Bosun's mail: `mail.from`, else `bosun@` the mail-from domain. */
export function mailFrom(config: DeploymentConfig): string {
  return config.mail.from ?? `bosun@${config.mail.fromDomain}`;
}
