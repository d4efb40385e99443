import { ListCommandsCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_NAME, READ_DOCUMENT_NAME } from '../../../lib/contract.js';
import { actionComment } from '../../../lib/dispatch/comments.js';
import { findSentCommand } from '../../../lib/dispatch/unrecorded.js';
import { startLocalSsm } from '../../../local/ssm/server.js';
import type { LocalSsm } from '../../../local/ssm/types.js';
import { createScriptedFleet, windowsInstance } from '../../helpers/ssm-fleet.js';
import { localSsmClient } from '../../helpers/ssm-local.js';

/**
 * Whether a command was ever sent for an action is asked of ListCommands (instance, document and
 * time filters, paged) and answered by the comment: what reconcile and a resumed sender rely on.
 */

const HOST = 'i-0c0000000000000c1';
const OTHER = 'i-0c0000000000000c2';
const ACTION = 'act_aaaaaaaaaaaaaaaaaaaaaaaaaa';
const SECOND = 'act_bbbbbbbbbbbbbbbbbbbbbbbbbb';

let ssm: LocalSsm;
let client: SSMClient;
let startedAt: Date;
/** Command ids in the order they were sent. */
const sent: { commandId: string; instanceId: string; comment: string }[] = [];

async function send(instanceId: string, comment: string) {
  const out = await client.send(
    new SendCommandCommand({
      DocumentName: DOCUMENT_NAME,
      InstanceIds: [instanceId],
      Comment: comment,
      Parameters: { Operation: ['ListSessions'] },
    })
  );
  sent.push({ commandId: out.Command?.CommandId ?? '', instanceId, comment });
}

beforeAll(async () => {
  ssm = await startLocalSsm({
    fleet: createScriptedFleet([windowsInstance(HOST), windowsInstance(OTHER)]),
    timing: { pendingMs: 1, eventDelayMs: 1, msPerSecond: 1 },
  });
  client = localSsmClient(ssm.endpoint);
  startedAt = new Date();
  // More than a page of the host's commands, the action's two at either end, one elsewhere.
  await send(HOST, actionComment(ACTION));
  for (let n = 0; n < 60; n++) await send(HOST, `sj:sweep:sw-${n};g:default`);
  await send(OTHER, actionComment(SECOND));
  await send(HOST, actionComment(ACTION));
  await ssm.idle();
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
});

const deps = () => ({
  ssm: client,
  documents: { operate: DOCUMENT_NAME, read: READ_DOCUMENT_NAME },
});

describe('ListCommands filters', () => {
  it('lists the document’s commands on one instance in the window, across pages', async () => {
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListCommandsCommand({
          InstanceId: HOST,
          Filters: [
            { key: 'DocumentName', value: DOCUMENT_NAME },
            { key: 'InvokedAfter', value: `${startedAt.toISOString().slice(0, 19)}Z` },
          ],
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        })
      );
      ids.push(...(page.Commands ?? []).map((c) => c.CommandId ?? ''));
      token = page.NextToken;
      pages++;
    } while (token);

    expect(pages).toBe(2);
    expect(ids.sort()).toEqual(
      sent
        .filter((c) => c.instanceId === HOST)
        .map((c) => c.commandId)
        .sort()
    );
  });

  it('lists nothing invoked before the window', async () => {
    const later = new Date(Date.now() + 2000);
    const page = await client.send(
      new ListCommandsCommand({
        InstanceId: HOST,
        Filters: [{ key: 'InvokedAfter', value: `${later.toISOString().slice(0, 19)}Z` }],
      })
    );

    expect(page.Commands).toEqual([]);
  });
});

describe('findSentCommand', () => {
  it('finds the first command sent for an action on its instance, past the first page', async () => {
    const found = await findSentCommand(deps(), {
      actionId: ACTION,
      instanceId: HOST,
      after: new Date(startedAt.getTime() - 60_000),
    });

    const first = sent.find((c) => c.comment === actionComment(ACTION));
    expect(found?.commandId).toBe(first?.commandId);
    expect(found?.requestedAt).toBeInstanceOf(Date);
    expect(found?.expiresAfter?.getTime()).toBeGreaterThan(found?.requestedAt?.getTime() ?? 0);
  });

  it('finds no command for an action sent to another instance or before the window', async () => {
    const elsewhere = await findSentCommand(deps(), {
      actionId: SECOND,
      instanceId: HOST,
      after: startedAt,
    });
    const tooEarly = await findSentCommand(deps(), {
      actionId: ACTION,
      instanceId: HOST,
      after: new Date(Date.now() + 2000),
    });

    expect(elsewhere).toBeNull();
    expect(tooEarly).toBeNull();
    expect(
      (await findSentCommand(deps(), { actionId: SECOND, instanceId: OTHER, after: startedAt }))
        ?.commandId
    ).toBe(sent.find((c) => c.instanceId === OTHER)?.commandId);
  });
});
