import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME } from '../../../lib/contract.js';
import { journalTo, readJournal } from '../../../local/ssm/journal.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import { createScriptedFleet, windowsInstance } from '../../helpers/ssm-fleet.js';
import { localSsmClient } from '../../helpers/ssm-local.js';

const HOST = 'i-0a0000000000000a1';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ssm-journal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One local SSM's life on the journal: one command sent through the real SDK, then closed. */
async function oneRun(journal: string, comment: string): Promise<string> {
  const ssm = await startLocalSsm({
    fleet: createScriptedFleet([windowsInstance(HOST)]),
    journal,
    timing: { pendingMs: 1, eventDelayMs: 1, msPerSecond: 1 },
  });
  const client = localSsmClient(ssm.endpoint);
  try {
    const sent = await client.send(
      new SendCommandCommand({
        DocumentName: DOCUMENT_NAME,
        InstanceIds: [HOST],
        Comment: comment,
        Parameters: { Operation: ['LogoffSession'], SessionId: ['4'], ExpectedUser: ['alice'] },
      })
    );
    return sent.Command?.CommandId ?? '';
  } finally {
    client.destroy();
    await ssm.close();
  }
}

describe('the local SSM journal', () => {
  it('keeps every accepted command across runs on the same file, as each was sent', async () => {
    const journal = join(dir, 'ssm', 'commands.jsonl');
    const first = await oneRun(journal, 'sj:first');
    // A run killed mid-append leaves half a line: its command was never answered.
    await appendFile(journal, '{"commandId":"cut-sh');
    const second = await oneRun(journal, 'sj:second');
    const records = readJournal(journal);
    expect(records.map((r) => [r.commandId, r.comment])).toEqual([
      [first, 'sj:first'],
      [second, 'sj:second'],
    ]);
    expect(records[0]).toMatchObject({
      documentName: DOCUMENT_NAME,
      instanceIds: [HOST],
      parameters: { Operation: ['LogoffSession'], SessionId: ['4'], ExpectedUser: ['alice'] },
    });
    expect(records[0]?.requestedAt).toBeInstanceOf(Date);
  });

  it('starts a new journal past its size, keeping the one before, and reads both', async () => {
    const journal = join(dir, 'bounded', 'commands.jsonl');
    await oneRun(journal, 'sj:before');
    const record = readJournal(journal)[0];
    if (!record) throw new Error('the first run journalled nothing');
    const second = { ...record, commandId: 'second', comment: 'sj:after' };
    journalTo(journal, 10)(second);
    const third = { ...record, commandId: 'third', comment: 'sj:later' };
    journalTo(journal, 10)(third);
    expect(existsSync(`${journal}.1`)).toBe(true);
    // The oldest is gone: one file before the current one is kept.
    expect(readJournal(journal).map((r) => r.commandId)).toEqual(['second', 'third']);
  });

  it('reads an absent journal as no commands', () => {
    expect(readJournal(join(dir, 'none.jsonl'))).toEqual([]);
  });
});
