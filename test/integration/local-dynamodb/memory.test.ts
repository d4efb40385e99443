import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynalite } from '../../../local/dynamodb/server.js';
import { clientOf, createItemsTable } from './items.js';

// A full collection on demand, so that what stays is what something still holds.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes in ArrayBuffers (Buffers) once garbage is collected: where dynalite keeps item values. */
function retainedBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

describe('local DynamoDB (in memory) holds what DynamoDB holds', () => {
  let dynamo: LocalDynamo;
  let client: DynamoDBClient;
  beforeAll(async () => {
    // Its own dynalite, in this process: the shared one runs in vitest's main process.
    dynamo = await startDynalite();
    client = clientOf(dynamo.endpoint);
    await createItemsTable(client);
  });
  afterAll(async () => {
    client.destroy();
    await dynamo.close();
  });

  // Synthetic items. A Query that left its iterator open kept the item versions of its time
  // (dynalite 4 closes iterators with a `return()` abstract-level 3 lacks): a sweep of 1,000 hosts
  // held every version of every item, 134 MB of Buffers for ~6 MB of items.
  it('keeps the current version of an item, not every version a Query saw', async () => {
    const versions = 50;
    const size = 64 * 1024;
    const query = new QueryCommand({
      TableName: 'items',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'item' } },
    });
    await client.send(query);
    const before = retainedBuffers();
    for (let version = 0; version < versions; version++) {
      const value = String(version).padStart(size, '.');
      await client.send(
        new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'item' }, v: { S: value } } })
      );
      const { Items } = await client.send(query);
      expect(Items?.[0]?.v?.S).toBe(value);
    }
    // Every version kept would be 3.2 MB; the one current version is 64 KB.
    expect(retainedBuffers() - before).toBeLessThan((versions * size) / 4);
  });

  // Synthetic items. Stored as Buffers, each small key and item was a slice of an 8 KB pool slab
  // the requests' own Buffers filled, and kept all of it: ~8 KB held per item of ~100 bytes.
  it('holds a small item in about its own size, not in a shared 8 KB slab', async () => {
    const items = 150;
    const before = retainedBuffers();
    for (let n = 0; n < items; n++) {
      await client.send(
        new PutItemCommand({
          TableName: 'items',
          Item: { pk: { S: `small-${n}` }, v: { S: 'x'.repeat(64) } },
        })
      );
    }
    // 150 slabs would be 1.2 MB; 150 items with their keys are ~20 KB.
    expect(retainedBuffers() - before).toBeLessThan((items * 8192) / 8);
  });
});

describe("dynalite's Level iterators", () => {
  // A restart closes the store while a Query's stream still reads (test/chaos/dynalite-restart):
  // the iterator dynalite closed through return() was asked for more and threw, uncaught.
  it('end, rather than throw, when asked for more once closed (by return(), or with the store)', async () => {
    const fromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { MemoryLevel } = fromDynalite('memory-level') as {
      MemoryLevel: new () => {
        open(): Promise<void>;
        put(k: string, v: string): Promise<void>;
        values(): { next(): Promise<unknown>; return(): Promise<unknown> };
        close(): Promise<void>;
      };
    };
    const db = new MemoryLevel();
    await db.open();
    await db.put('a', '1');
    await db.put('b', '2');
    const values = db.values();
    expect(await values.next()).toBe('1');
    await values.return();
    await expect(values.next()).resolves.toBeUndefined();
    const open = db.values();
    await db.close();
    await expect(open.next()).resolves.toBeUndefined();
  });
});
