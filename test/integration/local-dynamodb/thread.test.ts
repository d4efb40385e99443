import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynaliteThread } from '../../../local/dynamodb/thread.js';
import { clientOf, createItemsTable } from './items.js';

describe('dynalite in a thread of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-dynalite-thread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers as in process, keeps its data on disk across a restart, and stops', async () => {
    const path = join(dir, 'db');
    const first = await startDynaliteThread({ path });
    let client = clientOf(first.endpoint);
    await createItemsTable(client);
    await client.send(
      new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' }, n: { N: '1' } } })
    );
    client.destroy();
    await first.close();
    await expect(fetch(first.endpoint)).rejects.toThrow();

    const second = await startDynaliteThread({ path });
    client = clientOf(second.endpoint);
    const read = await client.send(
      new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } }, ConsistentRead: true })
    );
    expect(read.Item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });
    client.destroy();
    await second.close();
  });

  it('refuses a port in use with the error an in-process start gives', async () => {
    const taken = await startDynaliteThread();
    const port = Number(new URL(taken.endpoint).port);
    try {
      await expect(startDynaliteThread({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await taken.close();
    }
  });
});
