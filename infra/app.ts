/**
 * The CDK app of one installation: its stacks from the deployment configuration. Nothing here looks
 * anything up in an AWS account: account, region and availability zones come from the configuration.
 */
import { App } from 'aws-cdk-lib';
import { BosunStack } from './bosun-stack';
import type { DeploymentConfig } from './config';

export type BuildOptions = {
  /** Where the cloud assembly (templates and assets) is written. */
  outdir: string;
  functionCode: { api: string; worker: string };
};

export function buildApp(config: DeploymentConfig, options: BuildOptions): { app: App; stack: BosunStack } {
  const app = new App({ outdir: options.outdir, analyticsReporting: false });
  const stack = new BosunStack(app, config.stackName, { config, functionCode: options.functionCode });
  return { app, stack };
}
