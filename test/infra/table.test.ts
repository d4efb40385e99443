import { describe, expect, it } from 'vitest';
import { LEDGER_TABLE } from '../../lib/contract.js';
import { synthStack } from './synth.js';

const { stack, template, logicalId } = synthStack();
const table = template.toJSON().Resources[logicalId(stack.table)].Properties;

describe('ledger table definition', () => {
  it('has the key schema of lib/contract.ts', () => {
    expect(table.KeySchema).toEqual([
      { AttributeName: LEDGER_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: LEDGER_TABLE.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('defines the attributes of lib/contract.ts, no more', () => {
    const defined = LEDGER_TABLE.attributeDefinitions.map((a) => ({
      AttributeName: a.name,
      AttributeType: a.type,
    }));
    expect(table.AttributeDefinitions).toHaveLength(defined.length);
    expect(table.AttributeDefinitions).toEqual(expect.arrayContaining(defined));
  });

  it('has exactly the global secondary indexes of lib/contract.ts', () => {
    const expected = LEDGER_TABLE.globalSecondaryIndexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    }));
    expect(table.GlobalSecondaryIndexes).toHaveLength(expected.length);
    expect(table.GlobalSecondaryIndexes).toEqual(expect.arrayContaining(expected));
  });

  it('expires items on the TTL attribute and bills per request as lib/ledger/table.ts says', () => {
    expect(table.TimeToLiveSpecification).toEqual({
      AttributeName: LEDGER_TABLE.timeToLiveAttribute,
      Enabled: true,
    });
    expect(table.BillingMode).toBe(LEDGER_TABLE.billingMode);
  });
});
