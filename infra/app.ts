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
  /**
   * Check the template against CloudFormation's resource schemas while writing it, an error failing
   * the synthesis (the CDK's built-in validation, which otherwise only warns). Default: yes.
   */
  validate?: boolean;
};

export function buildApp(config: DeploymentConfig, options: BuildOptions): { app: App; stack: BosunStack } {
  const validate = options.validate ?? true;
  const app = new App({
    outdir: options.outdir,
    analyticsReporting: false,
    builtinCloudFormationValidation: validate,
    context: validate ? { '@aws-cdk/core:validateAgainstDefaultRules': true } : {},
  });
  const stack = new BosunStack(app, config.stackName, { config, functionCode: options.functionCode });
  return { app, stack };
}
