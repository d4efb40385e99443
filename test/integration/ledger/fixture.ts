import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import type { NewAction } from '../../../lib/actions/model.js';
import { createLedger, type Ledger } from '../../../lib/ledger/ledger.js';
import { createLedgerTable } from '../../../lib/ledger/table.js';

export interface LedgerFixture {
  ledger: Ledger;
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** A fresh table in the shared dynalite, named after the test file, and a ledger on it. */
export async function ledgerFixture(name: string): Promise<LedgerFixture> {
  const base = new DynamoDBClient({
    endpoint: inject('dynamodbEndpoint'),
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  const client = DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const tableName = `ledger-${name}-${randomUUID().slice(0, 8)}`;
  await createLedgerTable(client, tableName);
  return { ledger: createLedger({ client, tableName }), client, tableName };
}

let serial = 0;

/** A valid API logoff request; every call without overrides targets another session. */
export function apiLogoff(overrides: Partial<NewAction> = {}): NewAction {
  serial += 1;
  return {
    operation: 'logoff',
    instanceId: 'i-0123456789abcdef0',
    target: { kind: 'session', sessionId: serial, expectedUser: 'CONTOSO\\alice' },
    trigger: { kind: 'api', ticketId: 'INC0001', caller: 'helpdesk@contoso.com' },
    reason: 'user is stuck in a hung session',
    policy: null,
    dryRun: false,
    ...overrides,
  };
}
