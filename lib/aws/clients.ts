import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config/env.js';

export interface Clients {
  ddb: DynamoDBDocumentClient;
  ssm: SSMClient;
  /** Where outcomes are published; absent in callers that publish none. */
  events?: EventBridgeClient;
}

/**
 * Creates the SDK clients once per process. The endpoints are overridable so that the very same
 * code talks to DynamoDB, SSM and EventBridge in the cloud, and to dynalite, the local SSM and the
 * local events endpoint on one machine.
 */
export function createClients(
  config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT' | 'SSM_ENDPOINT' | 'EVENTS_ENDPOINT'>
): Clients {
  const region = config.AWS_REGION;
  const dynamo = new DynamoDBClient({
    region,
    endpoint: config.DYNAMODB_ENDPOINT,
  });
  const ddb = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  // The dispatcher does its own bounded retries for throttling (with jitter), so the SDK's are off.
  const ssm = new SSMClient({
    region,
    maxAttempts: 1,
    endpoint: config.SSM_ENDPOINT,
  });
  const events = new EventBridgeClient({ region, endpoint: config.EVENTS_ENDPOINT });
  return { ddb, ssm, events };
}
