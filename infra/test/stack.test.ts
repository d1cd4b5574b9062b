/**
 * What the templates hold, point by point, in both modes (ADR 0028): the private bucket, the
 * distributions, the generated function, caching and headers of guest pages, the app's paths, the
 * functions, the database and its network, secrets and mail, each function's permissions, the outputs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ORIGIN_VERIFY_HEADER } from '../../src/main/lambda-origin';
import { generateEdgeFunction, generatePlatformEdgeFunction } from '../../src/publish/edge-function';
import { GUEST_SITE_HEADERS, guestPageKey, NOT_FOUND_KEY, SITE_CACHE_CONTROL, siteBucket } from '../../src/publish/site-layout';
import { buildApp } from '../app';
import { APP_PATHS } from '../bosun-stack';
import { parseDeploymentConfig } from '../config';
import { exampleInput, referencedIds, resolveText, resourceOf, resourcesOf, SINGLE, standInFunctions, synthesize } from './support';

// CloudFront's managed policies, by their fixed ids (AWS documents these values).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

const modes = ['platform', 'single'] as const;

function distributions(json: any) {
  const [, guest] = resourceOf(json, 'AWS::CloudFront::Distribution', 'GuestDistribution');
  const [, app] = resourceOf(json, 'AWS::CloudFront::Distribution', 'AppDistribution');
  return { guest: guest.Properties.DistributionConfig, app: app.Properties.DistributionConfig };
}

function originOf(config: any, behavior: any) {
  return config.Origins.find((o: any) => o.Id === behavior.TargetOriginId);
}

/** Every statement of the inline policies of a function's role. */
function statementsOf(json: any, functionPrefix: string): any[] {
  const [, fn] = resourceOf(json, 'AWS::Lambda::Function', functionPrefix);
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === role))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
}

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe.each(modes)('the %s-mode stack', (mode) => {
  it('keeps guest sites in a private bucket that only the guest distribution reads, through origin access control', () => {
    const { template, json } = synthesize(mode);
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      WebsiteConfiguration: Match.absent(),
    });
    const [bucketId] = resourceOf(json, 'AWS::S3::Bucket', 'GuestSites');
    const [, policy] = resourceOf(json, 'AWS::S3::BucketPolicy', 'GuestSites');
    const statements = policy.Properties.PolicyDocument.Statement;
    // enforceSSL: every request without TLS is denied.
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // The only grant: CloudFront, on behalf of the guest distribution, reading.
    const grants = statements.filter((s: any) => s.Effect === 'Allow');
    expect(grants).toHaveLength(1);
    const [guestId] = resourceOf(json, 'AWS::CloudFront::Distribution', 'GuestDistribution');
    expect(grants[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(list(grants[0].Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(resolveText(grants[0].Condition.StringEquals['AWS:SourceArn'], { [guestId]: 'EGUEST' })).toBe(
      'arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/EGUEST',
    );
    // The distribution signs its requests to the bucket with origin access control.
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const { guest } = distributions(json);
    const s3Origin = originOf(guest, guest.DefaultCacheBehavior);
    expect(referencedIds(s3Origin.DomainName)).toEqual(new Set([bucketId]));
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(s3Origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });

  it('serves guest sites from the bucket, each under its own prefix, through the generated viewer-request function', () => {
    const { template, json, config } = synthesize(mode);
    template.resourceCountIs('AWS::CloudFront::Distribution', 2);
    const { guest } = distributions(json);
    const [functionId] = resourceOf(json, 'AWS::CloudFront::Function', 'GuestSiteFunction');
    expect(guest.DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    expect(guest.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(guest.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const s3Origin = originOf(guest, guest.DefaultCacheBehavior);
    if (mode === 'platform') {
      // One multi-tenant distribution (CloudFront SaaS Manager): every guest site is a tenant of it,
      // made at run time with its prefix as the `sitePrefix` parameter.
      expect(guest.ConnectionMode).toBe('tenant-only');
      expect(guest.TenantConfig).toEqual({
        ParameterDefinitions: [{ Name: 'sitePrefix', Definition: { StringSchema: expect.objectContaining({ Required: true }) } }],
      });
      expect(s3Origin.OriginPath).toBe('/{{sitePrefix}}');
      // What a multi-tenant distribution refuses: its domains, certificate, IPv6 and price class
      // belong to its tenants and their connection group.
      for (const field of ['Aliases', 'ViewerCertificate', 'IPV6Enabled', 'PriceClass']) expect(guest[field]).toBeUndefined();
      template.resourceCountIs('AWS::CloudFront::ConnectionGroup', 1);
    } else {
      expect(guest.ConnectionMode).toBeUndefined();
      expect(guest.TenantConfig).toBeUndefined();
      expect(guest.Aliases).toEqual([config.single!.domain]);
      expect(guest.ViewerCertificate).toMatchObject({ AcmCertificateArn: config.single!.certificateArn, SslSupportMethod: 'sni-only' });
      // The site's objects are at `{domain}/{key}` in the bucket (ADR 0007): the origin path is its prefix.
      expect(s3Origin.OriginPath).toBe(`/${siteBucket(config.single!.domain)}`);
      expect(`${s3Origin.OriginPath}/${guestPageKey('AB12CD')}`).toBe(`/sail.example.org/g/ab12cd.html`);
      template.resourceCountIs('AWS::CloudFront::ConnectionGroup', 0);
    }
  });

  it('deploys the code Bosun generates from the site layout, on runtime cloudfront-js-2.0, with its key value store', () => {
    const { json, config } = synthesize(mode);
    const [, fn] = resourceOf(json, 'AWS::CloudFront::Function', 'GuestSiteFunction');
    const [kvsId] = resourceOf(json, 'AWS::CloudFront::KeyValueStore', 'FriendlySlugs');
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.Properties.AutoPublish).toBe(true);
    expect(fn.Properties.FunctionConfig.KeyValueStoreAssociations).toEqual([{ KeyValueStoreARN: { 'Fn::GetAtt': [kvsId, 'Arn'] } }]);
    // Deployed with a store id of 7c0e…, the code is what `bosun edge-function` prints for a site
    // whose key value store setting is that store's ARN.
    const storeId = '7c0e1d2f-3a4b-4c5d-8e6f-0123456789ab';
    const deployed = resolveText(fn.Properties.FunctionCode, { [`${kvsId}.Id`]: storeId });
    // In platform mode that is the one function of every tenant (`bosun edge-function` there).
    const storeArn = `arn:aws:cloudfront::123456789012:key-value-store/${storeId}`;
    const generated =
      mode === 'single'
        ? generateEdgeFunction({ domain: config.single!.domain, tenantSlug: config.single!.tenant, keyValueStoreId: storeArn })
        : generatePlatformEdgeFunction({ keyValueStoreArn: storeArn });
    expect(deployed).toBe(generated);
    expect(deployed).toContain(`cf.kvs("${storeId}")`);
    expect(deployed).not.toBe(
      mode === 'single'
        ? generatePlatformEdgeFunction({ keyValueStoreArn: storeArn })
        : generateEdgeFunction({ domain: 'x.example', tenantSlug: 'x', keyValueStoreId: storeArn }),
    );
  });

  it("caches guest pages as their Cache-Control says, sends the guest sites' headers and answers a missing page with the 404 page", () => {
    const { json } = synthesize(mode);
    const { guest } = distributions(json);
    const [policyId, policy] = resourceOf(json, 'AWS::CloudFront::CachePolicy', 'GuestPageCachePolicy');
    expect(guest.DefaultCacheBehavior.CachePolicyId).toEqual({ Ref: policyId });
    // ADR 0006: `s-maxage=31536000` keeps a page at the edge until publishing invalidates it; the
    // policy lets the origin's header decide (min 0) and allows as long as s-maxage.
    expect(SITE_CACHE_CONTROL).toContain('s-maxage=31536000');
    const cache = policy.Properties.CachePolicyConfig;
    expect({ min: cache.MinTTL, default: cache.DefaultTTL, max: cache.MaxTTL }).toEqual({ min: 0, default: 31536000, max: 31536000 });
    const key = cache.ParametersInCacheKeyAndForwardedToOrigin;
    expect(key.QueryStringsConfig.QueryStringBehavior).toBe('none');
    expect(key.HeadersConfig.HeaderBehavior).toBe('none');
    expect(key.CookiesConfig.CookieBehavior).toBe('none');
    expect([key.EnableAcceptEncodingGzip, key.EnableAcceptEncodingBrotli]).toEqual([true, true]);

    // The response headers policy carries exactly GUEST_SITE_HEADERS.
    const [headersId, headers] = resourceOf(json, 'AWS::CloudFront::ResponseHeadersPolicy', 'GuestSiteHeaders');
    expect(guest.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: headersId });
    const config = headers.Properties.ResponseHeadersPolicyConfig;
    const sent: Record<string, string> = {};
    const security = config.SecurityHeadersConfig ?? {};
    if (security.ContentSecurityPolicy) sent['content-security-policy'] = security.ContentSecurityPolicy.ContentSecurityPolicy;
    if (security.ContentTypeOptions) sent['x-content-type-options'] = 'nosniff';
    if (security.FrameOptions) sent['x-frame-options'] = security.FrameOptions.FrameOption;
    if (security.ReferrerPolicy) sent['referrer-policy'] = security.ReferrerPolicy.ReferrerPolicy;
    if (security.StrictTransportSecurity || security.XSSProtection) sent.unexpected = 'a header Bosun does not send';
    for (const h of config.CustomHeadersConfig?.Items ?? []) sent[h.Header.toLowerCase()] = h.Value;
    expect(sent).toEqual({ ...GUEST_SITE_HEADERS });
    for (const part of Object.values(security) as { Override: boolean }[]) expect(part.Override).toBe(true);

    // A key missing from the bucket is a 404 (CloudFront may list it), answered with the site's page;
    // a 403 is left alone, so the API's own 403s reach their callers.
    expect(guest.CustomErrorResponses).toEqual([
      { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: `/${NOT_FOUND_KEY}`, ErrorCachingMinTTL: 0 },
    ]);
    expect(distributions(json).app.CustomErrorResponses).toBeUndefined();
  });

  it("sends the app's paths on both distributions, and every path of the platform host, to the API uncached with every viewer header but Host", () => {
    const { json, config } = synthesize(mode);
    const { guest, app } = distributions(json);
    const [apiId] = resourceOf(json, 'AWS::ApiGatewayV2::Api', 'HttpApi');
    const expectApi = (distribution: any, behavior: any) => {
      expect(behavior).toMatchObject({
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        AllowedMethods: ALL_METHODS,
        ViewerProtocolPolicy: 'redirect-to-https',
      });
      expect(behavior.FunctionAssociations).toBeUndefined();
      expect(behavior.ResponseHeadersPolicyId).toBeUndefined();
      const origin = originOf(distribution, behavior);
      expect(resolveText(origin.DomainName, { [apiId]: 'abc123' })).toBe(`abc123.execute-api.${config.region}.<AWS::URLSuffix>`);
      expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
      // Every API origin proves CloudFront sent the request: the origin secret, as a dynamic
      // reference CloudFormation resolves at deploy time (the value is in no template).
      expect(origin.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: expect.anything() }]);
      const value = resolveText(origin.OriginCustomHeaders[0].HeaderValue, { [originSecretId]: 'ORIGIN-SECRET-ARN' });
      expect(value).toBe('{{resolve:secretsmanager:ORIGIN-SECRET-ARN:SecretString:::}}');
    };
    const [originSecretId, originSecret] = resourceOf(json, 'AWS::SecretsManager::Secret', 'OriginSecret');
    expect(originSecret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48, ExcludePunctuation: true });
    expect(originSecret.Properties.SecretString).toBeUndefined();
    expect(guest.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual([...APP_PATHS]);
    expect(APP_PATHS).toEqual(['/api/*', '/app/*', '/crew/*', '/healthz']);
    for (const behavior of guest.CacheBehaviors) expectApi(guest, behavior);
    expectApi(app, app.DefaultCacheBehavior);
    expect(app.CacheBehaviors).toBeUndefined();
    expect(app.Aliases).toEqual([config.platform.domain]);
    expect(app.ViewerCertificate).toMatchObject({
      AcmCertificateArn: config.platform.certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });

    // The HTTP API sends every route to the API function.
    const [apiFunctionId] = resourceOf(json, 'AWS::Lambda::Function', 'Api');
    const [, route] = resourceOf(json, 'AWS::ApiGatewayV2::Route', 'HttpApi');
    expect(route.Properties.RouteKey).toBe('$default');
    const [integrationId, integration] = resourceOf(json, 'AWS::ApiGatewayV2::Integration', 'HttpApi');
    expect(resolveText(route.Properties.Target, { [integrationId]: 'i-1' })).toBe('integrations/i-1');
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(referencedIds(integration.Properties.IntegrationUri)).toEqual(new Set([apiFunctionId]));
  });

  it('runs the API and the worker from their bundles on Node.js 24 (arm64) in the private subnets; the worker every minute', () => {
    const { template, json, config } = synthesize(mode);
    template.resourceCountIs('AWS::Lambda::Function', 2);
    const [apiId, api] = resourceOf(json, 'AWS::Lambda::Function', 'Api');
    const [workerId, worker] = resourceOf(json, 'AWS::Lambda::Function', 'Worker');
    const privateSubnets = resourcesOf(json, 'AWS::EC2::Subnet')
      .filter(([id]) => id.includes('functions'))
      .map(([id]) => id);
    expect(privateSubnets).toHaveLength(2);
    const [functionsGroupId] = resourceOf(json, 'AWS::EC2::SecurityGroup', 'FunctionsSecurityGroup');
    for (const fn of [api, worker]) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
      expect(fn.Properties.Code.S3Key).toMatch(/\.zip$/);
      expect(fn.Properties.VpcConfig.SubnetIds.map((s: any) => s.Ref).sort()).toEqual(privateSubnets.sort());
      expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [functionsGroupId, 'GroupId'] }]);
    }
    expect(api.Properties).toMatchObject({ MemorySize: config.functions.apiMemoryMiB, Timeout: 29 });
    expect(worker.Properties).toMatchObject({
      MemorySize: config.functions.workerMemoryMiB,
      Timeout: config.functions.workerTimeoutSeconds,
    });
    const [, rule] = resourceOf(json, 'AWS::Events::Rule', 'WorkerSchedule');
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.Properties.Targets.map((t: any) => [...referencedIds(t.Arn)])).toEqual([[workerId]]);
    // The API may wake the worker, and nothing else: its name, and InvokeFunction on it only.
    expect(api.Properties.Environment.Variables.BOSUN_WORKER_FUNCTION).toEqual({ Ref: workerId });
    const invoke = statementsOf(json, 'Api').filter((s) => list(s.Action).some((a: string) => a.startsWith('lambda:')));
    expect(invoke).toEqual([expect.objectContaining({ Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [workerId, 'Arn'] } })]);
    expect(apiId).not.toBe(workerId);
  });

  it('bounds a burst at the API: its function has reserved concurrency, its one stage a rate and burst limit', () => {
    const { json, config } = synthesize(mode);
    const [, api] = resourceOf(json, 'AWS::Lambda::Function', 'Api');
    const [, worker] = resourceOf(json, 'AWS::Lambda::Function', 'Worker');
    expect(api.Properties.ReservedConcurrentExecutions).toBe(config.functions.apiReservedConcurrency);
    expect(config.functions.apiReservedConcurrency).toBe(30);
    // The worker runs one invocation at a time from its schedule; it is not a public surface.
    expect(worker.Properties.ReservedConcurrentExecutions).toBeUndefined();
    const [httpApiId] = resourceOf(json, 'AWS::ApiGatewayV2::Api', 'HttpApi');
    const stages = resourcesOf(json, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const [, stage] = stages[0]!;
    expect(stage.Properties).toMatchObject({
      ApiId: { Ref: httpApiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: config.api.rateLimit, ThrottlingBurstLimit: config.api.burstLimit },
    });
    expect(config.api).toEqual({ rateLimit: 50, burstLimit: 100 });
    // No AWS WAF web ACL unless configured: it costs money.
    for (const [, d] of resourcesOf(json, 'AWS::CloudFront::Distribution'))
      expect(d.Properties.DistributionConfig.WebACLId).toBeUndefined();
  });

  it('keeps PostgreSQL on RDS in the isolated subnets with generated credentials, open to the functions only, and reaches Secrets Manager privately', () => {
    const { template, json } = synthesize(mode);
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.resourceCountIs('AWS::RDS::DBProxy', 0);
    const [dbId, db] = resourceOf(json, 'AWS::RDS::DBInstance', 'Database');
    expect(db.Properties).toMatchObject({
      Engine: 'postgres',
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DeletionProtection: true,
      DBName: 'bosun',
    });
    expect(db.DeletionPolicy).toBe('Snapshot');
    const [, subnetGroup] = resourceOf(json, 'AWS::RDS::DBSubnetGroup', 'Database');
    const isolated = resourcesOf(json, 'AWS::EC2::Subnet')
      .filter(([id]) => id.includes('database'))
      .map(([id]) => id);
    expect(subnetGroup.Properties.SubnetIds.map((s: any) => s.Ref).sort()).toEqual(isolated.sort());
    for (const id of isolated) {
      const routes = resourcesOf(json, 'AWS::EC2::Route').filter(([, r]) => JSON.stringify(r.Properties).includes(id));
      expect(routes).toEqual([]);
    }
    // Credentials generated into Secrets Manager and attached to the instance (host, port, dbname).
    const [secretId, secret] = resourceOf(json, 'AWS::SecretsManager::Secret', 'DatabaseSecret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'password' });
    expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ username: 'bosun', dbname: 'bosun' });
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', { SecretId: { Ref: secretId }, TargetId: { Ref: dbId } });
    // The database's security group lets in the functions on 5432, and nothing else.
    const [dbGroupId] = resourceOf(json, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup');
    const [functionsGroupId] = resourceOf(json, 'AWS::EC2::SecurityGroup', 'FunctionsSecurityGroup');
    const [, dbGroup] = resourceOf(json, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup');
    expect(dbGroup.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(json, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) =>
      referencedIds(r.Properties.GroupId).has(dbGroupId),
    );
    expect(ingress.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: { 'Fn::GetAtt': [functionsGroupId, 'GroupId'] },
      }),
    ]);
    // Secrets Manager through an interface endpoint (private DNS), S3 through a gateway endpoint,
    // everything else out through one NAT gateway.
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      ServiceName: Match.stringLikeRegexp('secretsmanager'),
    });
    const gateway = resourcesOf(json, 'AWS::EC2::VPCEndpoint').filter(([, r]) => r.Properties.VpcEndpointType === 'Gateway');
    expect(gateway.map(([, r]) => resolveText(r.Properties.ServiceName))).toEqual([expect.stringMatching(/\.s3$/)]);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it("gives both functions exactly Bosun's settings: secrets by ARN, SES, CloudFront, the bucket, no demo", () => {
    const { json, config } = synthesize(mode);
    const [bucketId] = resourceOf(json, 'AWS::S3::Bucket', 'GuestSites');
    const [signingId, signing] = resourceOf(json, 'AWS::SecretsManager::Secret', 'SigningSecret');
    const [databaseSecretId] = resourceOf(json, 'AWS::SecretsManager::Secret', 'DatabaseSecret');
    const [kvsId] = resourceOf(json, 'AWS::CloudFront::KeyValueStore', 'FriendlySlugs');
    const [guestId] = resourceOf(json, 'AWS::CloudFront::Distribution', 'GuestDistribution');
    expect(signing.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64, ExcludePunctuation: true });
    const base = {
      BOSUN_PUBLIC_URL: `https://${config.platform.domain}`,
      BOSUN_SECRET_ARN: { Ref: signingId },
      DATABASE_SECRET_ARN: { Ref: databaseSecretId },
      BOSUN_MAIL: `ses://${config.region}`,
      BOSUN_MAIL_FROM: 'bosun@example.com',
      BOSUN_CDN: 'cloudfront',
      BOSUN_OBJECT_STORE: { 'Fn::Join': ['', ['s3://', { Ref: bucketId }]] },
      BOSUN_CLOUDFRONT_KEY_VALUE_STORE_ARN: { 'Fn::GetAtt': [kvsId, 'Arn'] },
      BOSUN_DEMO: '0',
    };
    const platform =
      mode === 'platform'
        ? {
            BOSUN_CLOUDFRONT_DISTRIBUTION_ID: { Ref: guestId },
            BOSUN_CLOUDFRONT_CONNECTION_GROUP_ID: {
              'Fn::GetAtt': [resourceOf(json, 'AWS::CloudFront::ConnectionGroup', 'Guest')[0], 'Id'],
            },
          }
        : {};
    const [workerId, worker] = resourceOf(json, 'AWS::Lambda::Function', 'Worker');
    const [, api] = resourceOf(json, 'AWS::Lambda::Function', 'Api');
    expect(worker.Properties.Environment.Variables).toEqual({ ...base, ...platform });
    // Only the API checks the origin secret: the worker is invoked, never reached over HTTP.
    const [originSecretId] = resourceOf(json, 'AWS::SecretsManager::Secret', 'OriginSecret');
    expect(api.Properties.Environment.Variables).toEqual({
      ...base,
      ...platform,
      BOSUN_WORKER_FUNCTION: { Ref: workerId },
      BOSUN_ORIGIN_SECRET_ARN: { Ref: originSecretId },
    });
    // Mail leaves through the mail-from domain's SES identity.
    const [, identity] = resourceOf(json, 'AWS::SES::EmailIdentity', 'MailIdentity');
    expect(identity.Properties.EmailIdentity).toBe(config.mail.fromDomain);
  });

  it('lets each function do only what it does: no wildcard action, each service on its own resources', () => {
    const { json } = synthesize(mode);
    const id = (type: string, prefix: string) => resourceOf(json, type, prefix)[0];
    const bucket = id('AWS::S3::Bucket', 'GuestSites');
    const secrets = [id('AWS::SecretsManager::Secret', 'SigningSecret'), id('AWS::SecretsManager::Secret', 'DatabaseSecret')];
    const originSecret = id('AWS::SecretsManager::Secret', 'OriginSecret');
    const kvs = id('AWS::CloudFront::KeyValueStore', 'FriendlySlugs');
    const guest = id('AWS::CloudFront::Distribution', 'GuestDistribution');
    const worker = id('AWS::Lambda::Function', 'Worker');
    const textOf = (r: unknown) =>
      resolveText(r, { [guest]: 'EGUEST', [kvs]: 'KVS', [`${kvs}.Arn`]: 'KVS-ARN', [`${bucket}.Arn`]: 'BUCKET-ARN' });
    const allowed: Record<string, (statement: any) => void> = {
      s3: (s) => {
        for (const r of list(s.Resource)) expect(referencedIds(r)).toEqual(new Set([bucket]));
      },
      secretsmanager: (s) => {
        expect(list(s.Action)).toEqual(['secretsmanager:GetSecretValue']);
        const read = list(s.Resource)
          .map((r: any) => r.Ref)
          .sort();
        // The origin secret in a statement of its own, the API's only.
        if (s.Sid === 'ReadOriginSecret') expect(read).toEqual([originSecret]);
        else expect(read).toEqual([...secrets].sort());
      },
      'cloudfront-keyvaluestore': (s) => expect(list(s.Resource)).toEqual([{ 'Fn::GetAtt': [kvs, 'Arn'] }]),
      cloudfront: (s) => {
        const resources = list(s.Resource).map(textOf);
        expect(resources[0]).toBe('arn:<AWS::Partition>:cloudfront::123456789012:distribution/EGUEST');
        expect(resources.slice(1)).toEqual(
          mode === 'platform' ? ['arn:<AWS::Partition>:cloudfront::123456789012:distribution-tenant/*'] : [],
        );
      },
      ses: (s) => {
        expect(list(s.Action).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
        expect(list(s.Resource).map(textOf)).toEqual(['arn:<AWS::Partition>:ses:eu-west-1:123456789012:identity/example.com']);
      },
      lambda: (s) => expect(list(s.Resource)).toEqual([{ 'Fn::GetAtt': [worker, 'Arn'] }]),
    };
    const services = { Api: new Set<string>(), Worker: new Set<string>() };
    for (const fn of ['Api', 'Worker'] as const) {
      for (const statement of statementsOf(json, fn)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of list(statement.Action) as string[]) {
          expect(action).not.toContain('*');
          const service = action.split(':')[0]!;
          expect(Object.keys(allowed)).toContain(service);
          services[fn].add(service);
        }
        for (const r of list(statement.Resource)) expect(r).not.toBe('*');
        const service = (list(statement.Action)[0] as string).split(':')[0]!;
        allowed[service]!(statement);
      }
    }
    expect([...services.Api].sort()).toEqual(['lambda', 'secretsmanager']);
    const readsOrigin = (fn: 'Api' | 'Worker') =>
      statementsOf(json, fn).some((s) => list(s.Resource).some((r: any) => r?.Ref === originSecret));
    expect(readsOrigin('Api')).toBe(true);
    expect(readsOrigin('Worker')).toBe(false);
    expect([...services.Worker].sort()).toEqual(['cloudfront', 'cloudfront-keyvaluestore', 's3', 'secretsmanager', 'ses']);
    const cloudfrontActions = statementsOf(json, 'Worker')
      .filter((s) => list(s.Action)[0].startsWith('cloudfront:'))
      .flatMap((s) => list(s.Action));
    expect(cloudfrontActions.sort()).toEqual(
      (mode === 'platform'
        ? [
            'cloudfront:CreateDistributionTenant',
            'cloudfront:CreateInvalidationForDistributionTenant',
            'cloudfront:GetDistributionTenant',
            'cloudfront:GetDistributionTenantByDomain',
            'cloudfront:GetInvalidationForDistributionTenant',
            'cloudfront:UpdateDistributionTenant',
          ]
        : ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation']
      ).sort(),
    );
    // The roles' managed policies: logs and the network interfaces of a function in a VPC, nothing more.
    for (const [, role] of resourcesOf(json, 'AWS::IAM::Role')) {
      const managed = role.Properties.ManagedPolicyArns.map((a: unknown) => resolveText(a));
      expect(managed.sort()).toEqual([
        'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        'arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
      ]);
    }
  });

  it('outputs the domains to point DNS at, the API URL, the key value store ARN and the bucket name', () => {
    const { template, json } = synthesize(mode);
    const [kvsId] = resourceOf(json, 'AWS::CloudFront::KeyValueStore', 'FriendlySlugs');
    const [bucketId] = resourceOf(json, 'AWS::S3::Bucket', 'GuestSites');
    const [guestId] = resourceOf(json, 'AWS::CloudFront::Distribution', 'GuestDistribution');
    const [appId] = resourceOf(json, 'AWS::CloudFront::Distribution', 'AppDistribution');
    template.hasOutput('AppDomain', { Value: { 'Fn::GetAtt': [appId, 'DomainName'] } });
    template.hasOutput('ApiUrl', { Value: { 'Fn::GetAtt': [resourceOf(json, 'AWS::ApiGatewayV2::Api', 'HttpApi')[0], 'ApiEndpoint'] } });
    template.hasOutput('KeyValueStoreArn', { Value: { 'Fn::GetAtt': [kvsId, 'Arn'] } });
    template.hasOutput('BucketName', { Value: { Ref: bucketId } });
    template.hasOutput('WorkerFunctionName', { Value: { Ref: resourceOf(json, 'AWS::Lambda::Function', 'Worker')[0] } });
    template.hasOutput('GuestDistributionId', { Value: { Ref: guestId } });
    if (mode === 'platform') {
      const [groupId] = resourceOf(json, 'AWS::CloudFront::ConnectionGroup', 'Guest');
      template.hasOutput('GuestSitesEndpoint', { Value: { 'Fn::GetAtt': [groupId, 'RoutingEndpoint'] } });
    } else {
      template.hasOutput('GuestSiteDomain', { Value: { 'Fn::GetAtt': [guestId, 'DomainName'] } });
    }
  });
});

describe('the API limits of another configuration', () => {
  it('takes the reserved concurrency and the throttle from the deployment configuration', () => {
    const input = exampleInput();
    input.functions.apiReservedConcurrency = 7;
    input.api = { rateLimit: 12, burstLimit: 30 };
    const outdir = mkdtempSync(join(tmpdir(), 'bosun-infra-out-'));
    const { stack } = buildApp(parseDeploymentConfig(input), { outdir, functionCode: standInFunctions(), validate: false });
    const json = Template.fromStack(stack).toJSON();
    expect(resourceOf(json, 'AWS::Lambda::Function', 'Api')[1].Properties.ReservedConcurrentExecutions).toBe(7);
    expect(resourceOf(json, 'AWS::ApiGatewayV2::Stage', 'HttpApi')[1].Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 12,
      ThrottlingBurstLimit: 30,
    });
  });

  it.each(['platform', 'single'] as const)(
    'puts a configured AWS WAF web ACL on every distribution the API is reached through (%s)',
    (mode) => {
      const webAclArn = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/bosun-per-client/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
      const input = mode === 'single' ? { ...exampleInput(), mode, single: SINGLE } : exampleInput();
      input.api = { webAclArn };
      const outdir = mkdtempSync(join(tmpdir(), 'bosun-infra-out-'));
      const { stack } = buildApp(parseDeploymentConfig(input), { outdir, functionCode: standInFunctions(), validate: false });
      const distributions = resourcesOf(Template.fromStack(stack).toJSON(), 'AWS::CloudFront::Distribution');
      expect(distributions.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['AppDistribution', 'GuestDistribution']);
      expect(distributions).toHaveLength(2);
      for (const [, d] of distributions) expect(d.Properties.DistributionConfig.WebACLId).toBe(webAclArn);
    },
  );
});
