import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { LEDGER_TABLE } from '../../lib/contract.js';

/**
 * The ledger: every action and sweep, with the indexes of lib/contract.ts. Built in the stack's
 * own scope: its logical id must never change, or CloudFormation would replace the table and the
 * audit trail in it.
 */
export function createLedger(
  scope: Construct,
  options: { retainData: boolean; removalPolicy: RemovalPolicy }
): Table {
  const table = new Table(scope, 'Ledger', {
    partitionKey: { name: LEDGER_TABLE.partitionKey, type: AttributeType.STRING },
    sortKey: { name: LEDGER_TABLE.sortKey, type: AttributeType.STRING },
    billingMode: BillingMode[LEDGER_TABLE.billingMode],
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    timeToLiveAttribute: LEDGER_TABLE.timeToLiveAttribute,
    deletionProtection: options.retainData,
    removalPolicy: options.removalPolicy,
  });
  for (const index of LEDGER_TABLE.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType[index.projection],
    });
  }
  return table;
}
