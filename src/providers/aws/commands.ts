/**
 * The operations the AWS stores send, as command classes of the SDK's call shape
 * (`client.send(new GetSecretValueCommand({ … }))`) typed with the SDK's own input and
 * output types, which are types only: importing this file loads no SDK code
 * (./client.ts decides which transport serves them).
 */
import type * as sm from "@aws-sdk/client-secrets-manager";
import type * as ssm from "@aws-sdk/client-ssm";
import type { StoreContext } from "../types.js";
import { command, createAwsClient, type AwsClient } from "./client.js";
import { clientConfig, type AwsOptions } from "./common.js";

// Secrets Manager.
/** BatchGetSecretValue. */
export const BatchGetSecretValueCommand = command<
  sm.BatchGetSecretValueCommandInput,
  sm.BatchGetSecretValueCommandOutput
>("BatchGetSecretValue");
/** CreateSecret (the client fills ClientRequestToken as the SDK does). */
export const CreateSecretCommand = command<
  sm.CreateSecretCommandInput,
  sm.CreateSecretCommandOutput
>("CreateSecret");
/** DeleteSecret. */
export const DeleteSecretCommand = command<
  sm.DeleteSecretCommandInput,
  sm.DeleteSecretCommandOutput
>("DeleteSecret");
/** DescribeSecret. */
export const DescribeSecretCommand = command<
  sm.DescribeSecretCommandInput,
  sm.DescribeSecretCommandOutput
>("DescribeSecret");
/** GetSecretValue. */
export const GetSecretValueCommand = command<
  sm.GetSecretValueCommandInput,
  sm.GetSecretValueCommandOutput
>("GetSecretValue");
/** ListSecretVersionIds. */
export const ListSecretVersionIdsCommand = command<
  sm.ListSecretVersionIdsCommandInput,
  sm.ListSecretVersionIdsCommandOutput
>("ListSecretVersionIds");
/** ListSecrets. */
export const ListSecretsCommand = command<sm.ListSecretsCommandInput, sm.ListSecretsCommandOutput>(
  "ListSecrets",
);
/** PutSecretValue (the client fills ClientRequestToken as the SDK does). */
export const PutSecretValueCommand = command<
  sm.PutSecretValueCommandInput,
  sm.PutSecretValueCommandOutput
>("PutSecretValue");
/** RestoreSecret. */
export const RestoreSecretCommand = command<
  sm.RestoreSecretCommandInput,
  sm.RestoreSecretCommandOutput
>("RestoreSecret");
/** TagResource (Secrets Manager's). */
export const TagResourceCommand = command<sm.TagResourceCommandInput, sm.TagResourceCommandOutput>(
  "TagResource",
);
/** UpdateSecretVersionStage. */
export const UpdateSecretVersionStageCommand = command<
  sm.UpdateSecretVersionStageCommandInput,
  sm.UpdateSecretVersionStageCommandOutput
>("UpdateSecretVersionStage");

// SSM Parameter Store.
/** AddTagsToResource. */
export const AddTagsToResourceCommand = command<
  ssm.AddTagsToResourceCommandInput,
  ssm.AddTagsToResourceCommandOutput
>("AddTagsToResource");
/** DeleteParameters. */
export const DeleteParametersCommand = command<
  ssm.DeleteParametersCommandInput,
  ssm.DeleteParametersCommandOutput
>("DeleteParameters");
/** DescribeParameters. */
export const DescribeParametersCommand = command<
  ssm.DescribeParametersCommandInput,
  ssm.DescribeParametersCommandOutput
>("DescribeParameters");
/** GetParametersByPath. */
export const GetParametersByPathCommand = command<
  ssm.GetParametersByPathCommandInput,
  ssm.GetParametersByPathCommandOutput
>("GetParametersByPath");
/** GetParameters. */
export const GetParametersCommand = command<
  ssm.GetParametersCommandInput,
  ssm.GetParametersCommandOutput
>("GetParameters");
/** ListTagsForResource (SSM's). */
export const ListTagsForResourceCommand = command<
  ssm.ListTagsForResourceCommandInput,
  ssm.ListTagsForResourceCommandOutput
>("ListTagsForResource");
/** PutParameter. */
export const PutParameterCommand = command<
  ssm.PutParameterCommandInput,
  ssm.PutParameterCommandOutput
>("PutParameter");

/** The Secrets Manager client of a store (the SDK's comes from its own chunk, when used). */
export const secretsManagerClient = (options: AwsOptions, context: StoreContext): AwsClient =>
  createAwsClient(
    "secretsmanager",
    options,
    context,
    clientConfig(options, context, "aws-sm"),
    async (config) => (await import("./sdk-sm.js")).loadSdk(config),
  );

/** The SSM client of a store (the SDK's comes from its own chunk, when used). */
export const ssmClient = (options: AwsOptions, context: StoreContext): AwsClient =>
  createAwsClient(
    "ssm",
    options,
    context,
    clientConfig(options, context, "aws-ssm"),
    async (config) => (await import("./sdk-ssm.js")).loadSdk(config),
  );
