import { SendCommandCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../../../lib/actions/model.js';
import { DOCUMENT_NAME, READ_DOCUMENT_NAME } from '../../../lib/contract.js';
import type { HostParameters } from '../../../lib/ssm/host-contract.js';
import { type Outcome, outcomeOf } from '../../../lib/ssm/outcome.js';
import { listParameters, toHostParameters } from '../../../lib/ssm/parameters.js';
import {
  type InvocationReading,
  readInvocation,
  waitForInvocation,
} from '../../../lib/ssm/read.js';
import { sendOperation } from '../../../lib/ssm/send.js';
import { fileServer, type Harness, sessionHost, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function run(
  instanceId: string,
  parameters: HostParameters,
  operation: Operation | HostParameters['Operation'],
  comment = 'sj:act_integration'
): Promise<{ reading: InvocationReading; outcome: Outcome; commandId: string }> {
  const { commandId } = await sendOperation(h.send, {
    instanceIds: [instanceId],
    parameters,
    comment,
  });
  const reading = await waitForInvocation(h.read, {
    commandId,
    instanceId,
    timeoutMs: 5_000,
    pollMs: 5,
  });
  return { reading, outcome: outcomeOf(reading, operation), commandId };
}

function terminal(outcome: Outcome) {
  if (outcome.status === 'pending') throw new Error('outcome is pending');
  return outcome;
}

describe('dispatcher against the local SSM and the simulated fleet', () => {
  it('sends with the comment, an explicit delivery timeout and the parameters as given', async () => {
    const instanceId = sessionHost(h.fleet);
    const { commandId } = await run(
      instanceId,
      listParameters('ListSessions'),
      'ListSessions',
      'sj:sweep:2026-11-23T14:00;g:default'
    );
    const record = h.ssm.commands().find((c) => c.commandId === commandId);
    expect(record).toMatchObject({
      documentName: 'SessionJanitor-Read',
      instanceIds: [instanceId],
      comment: 'sj:sweep:2026-11-23T14:00;g:default',
      timeoutSeconds: 600,
      parameters: { Operation: ['ListSessions'] },
    });
  });

  it('sends listings with the read-only document and every other operation with the operate one', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'CORP\\reed', idleMinutes: 5 });
    const documentOf = (commandId: string) =>
      h.ssm.commands().find((c) => c.commandId === commandId)?.documentName;

    const list = await run(instanceId, listParameters('ListSessions'), 'ListSessions');
    const notify = await run(
      instanceId,
      {
        Operation: 'NotifySession',
        SessionId: String(sessionId),
        ExpectedUser: 'CORP\\reed',
        Message: 'Hello',
        WarnSeconds: '5',
      },
      'notify'
    );

    expect(documentOf(list.commandId)).toBe(READ_DOCUMENT_NAME);
    expect(documentOf(notify.commandId)).toBe(DOCUMENT_NAME);
  });

  it('refuses an acting operation under the read-only document before any host sees it', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'CORP\\rory', idleMinutes: 500 });
    const before = h.ssm.commands().length;

    const sent = h.client.send(
      new SendCommandCommand({
        DocumentName: READ_DOCUMENT_NAME,
        InstanceIds: [instanceId],
        Parameters: { Operation: ['LogoffSession'], SessionId: [String(sessionId)] },
      })
    );

    await expect(sent).rejects.toMatchObject({ name: 'InvalidParameters' });
    expect(h.ssm.commands()).toHaveLength(before);
    expect(h.fleet.host(instanceId).sessions.some((s) => s.id === sessionId)).toBe(true);
  });

  it('lists sessions: the envelope carries quser output and the host culture', async () => {
    const instanceId = sessionHost(h.fleet, 'de-DE');
    const { reading, outcome } = await run(
      instanceId,
      listParameters('ListSessions'),
      'ListSessions'
    );
    expect(outcome.status).toBe('succeeded');
    expect(reading.envelope).toMatchObject({ operation: 'ListSessions', culture: 'de-DE' });
    expect(reading.envelope?.stdout).toMatch(/BENUTZERNAME/);
    expect(reading.comment).toBe('sj:act_integration');
  });

  it('lists SMB sessions and open files of a file server', async () => {
    const instanceId = fileServer(h.fleet);
    for (const operation of ['ListSmbSessions', 'ListOpenFiles'] as const) {
      const { reading, outcome } = await run(instanceId, listParameters(operation), operation);
      expect(outcome.status).toBe('succeeded');
      expect(reading.envelope?.operation).toBe(operation);
    }
  });

  it('disconnects a session and the host shows it disconnected', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'CORP\\dana', idleMinutes: 45 });
    const parameters = toHostParameters({
      operation: 'disconnect',
      target: { kind: 'session', sessionId, expectedUser: 'CORP\\dana' },
    });
    const { outcome } = await run(instanceId, parameters, 'disconnect');
    expect(terminal(outcome)).toMatchObject({
      status: 'succeeded',
      result: { exitCode: 0, errorCode: null },
    });
    const session = h.fleet.host(instanceId).sessions.find((s) => s.id === sessionId);
    expect(session?.state).toBe('disconnected');
  });

  it('logs a session off and the host no longer has it', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, {
      user: 'erin',
      state: 'disconnected',
      idleMinutes: 300,
    });
    const parameters = toHostParameters({
      operation: 'logoff',
      target: { kind: 'session', sessionId, expectedUser: 'erin' },
    });
    const { outcome } = await run(instanceId, parameters, 'logoff');
    expect(outcome.status).toBe('succeeded');
    expect(
      h.fleet.host(instanceId).sessions.some((s) => s.id === sessionId && s.userName === 'erin')
    ).toBe(false);
  });

  it('notifies a session with the message and countdown', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'frank', idleMinutes: 50 });
    const parameters = toHostParameters({
      operation: 'notify',
      target: { kind: 'session', sessionId, expectedUser: 'frank' },
      message: 'You will be logged off in 10 minutes. Save your work!',
      warnSeconds: 600,
    });
    const { outcome } = await run(instanceId, parameters, 'notify');
    expect(outcome.status).toBe('succeeded');
    expect(h.fleet.host(instanceId).notifications).toContainEqual(
      expect.objectContaining({
        sessionId,
        message: 'You will be logged off in 10 minutes. Save your work!',
        seconds: 600,
      })
    );
  });

  it('notifies without a countdown, leaving the display time to msg', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'fiona', idleMinutes: 20 });
    const parameters = toHostParameters({
      operation: 'notify',
      target: { kind: 'session', sessionId, expectedUser: 'fiona' },
      message: 'Maintenance at 18:00',
    });
    const { outcome } = await run(instanceId, parameters, 'notify');
    expect(outcome.status).toBe('succeeded');
    expect(h.fleet.host(instanceId).notifications).toContainEqual(
      expect.objectContaining({ sessionId, message: 'Maintenance at 18:00', seconds: null })
    );
  });

  it('ends an SMB session and closes a locked file', async () => {
    const instanceId = fileServer(h.fleet);
    h.fleet.addSmbSession(instanceId, { clientComputerName: 'WS-0042', user: 'CORP\\gina' });
    const smb = await run(
      instanceId,
      toHostParameters({
        operation: 'end-smb-session',
        target: { kind: 'smb', clientName: 'WS-0042', userName: 'CORP\\gina' },
      }),
      'end-smb-session'
    );
    expect(smb.outcome.status).toBe('succeeded');
    expect(
      h.fleet.host(instanceId).smbSessions.some((s) => s.clientComputerName === 'WS-0042')
    ).toBe(false);

    const path = 'D:\\Shares\\Finance\\Q3 Report (draft).xlsx';
    const fileId = h.fleet.addOpenFile(instanceId, {
      clientComputerName: 'WS-0043',
      user: 'CORP\\hal',
      path,
    });
    const file = await run(
      instanceId,
      toHostParameters({
        operation: 'close-file',
        target: { kind: 'file', fileId, expectedPath: path },
      }),
      'close-file'
    );
    expect(file.outcome.status).toBe('succeeded');
    expect(h.fleet.host(instanceId).openFiles.some((f) => f.fileId === fileId)).toBe(false);
  });

  it('skips when the session now belongs to someone else, and leaves it alone', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, { user: 'ivan', idleMinutes: 90 });
    const parameters = toHostParameters({
      operation: 'logoff',
      target: { kind: 'session', sessionId, expectedUser: 'judy' },
    });
    const { outcome } = await run(instanceId, parameters, 'logoff');
    expect(terminal(outcome)).toMatchObject({
      status: 'skipped',
      result: { exitCode: 21, errorCode: 'guard:user-mismatch' },
    });
    expect(
      h.fleet.host(instanceId).sessions.some((s) => s.id === sessionId && s.userName === 'ivan')
    ).toBe(true);
  });

  it('skips disconnecting the console session', async () => {
    const instanceId = sessionHost(h.fleet);
    const console = h.fleet.host(instanceId).sessions.find((s) => s.console);
    if (!console) throw new Error('no console session');
    const parameters = toHostParameters({
      operation: 'disconnect',
      target: {
        kind: 'session',
        sessionId: console.id,
        expectedUser: `${console.domain}\\${console.userName}`,
      },
    });
    const { outcome } = await run(instanceId, parameters, 'disconnect');
    expect(terminal(outcome).result.errorCode).toBe('guard:console-session');
    expect(outcome.status).toBe('skipped');
  });

  it('skips a session or file that no longer exists, and a file whose path changed', async () => {
    const host = sessionHost(h.fleet);
    const gone = await run(
      host,
      toHostParameters({
        operation: 'logoff',
        target: { kind: 'session', sessionId: 4_242, expectedUser: 'nobody' },
      }),
      'logoff'
    );
    expect(terminal(gone.outcome).result.errorCode).toBe('guard:session-not-found');

    const server = fileServer(h.fleet);
    const fileId = h.fleet.addOpenFile(server, {
      clientComputerName: 'WS-0044',
      user: 'CORP\\kim',
      path: 'D:\\Shares\\HR\\Salaries.xlsx',
    });
    const moved = await run(
      server,
      toHostParameters({
        operation: 'close-file',
        target: { kind: 'file', fileId, expectedPath: 'D:\\Shares\\HR\\Other.xlsx' },
      }),
      'close-file'
    );
    expect(terminal(moved.outcome)).toMatchObject({
      status: 'skipped',
      result: { errorCode: 'guard:path-mismatch' },
    });
    expect(h.fleet.host(server).openFiles.some((f) => f.fileId === fileId)).toBe(true);

    const missing = await run(
      server,
      toHostParameters({
        operation: 'close-file',
        target: {
          kind: 'file',
          fileId: '999999999999',
          expectedPath: 'D:\\Shares\\HR\\Other.xlsx',
        },
      }),
      'close-file'
    );
    expect(terminal(missing.outcome).result.errorCode).toBe('guard:file-not-found');
  });

  it('fails with the Win32 error when Windows refuses (protected account)', async () => {
    const instanceId = sessionHost(h.fleet);
    const sessionId = h.fleet.addSession(instanceId, {
      user: 'svc_ops',
      state: 'disconnected',
      idleMinutes: 5_000,
      protected: true,
    });
    const { outcome } = await run(
      instanceId,
      toHostParameters({
        operation: 'logoff',
        target: { kind: 'session', sessionId, expectedUser: 'svc_ops' },
      }),
      'logoff'
    );
    expect(terminal(outcome)).toMatchObject({ status: 'failed', result: { errorCode: 'win32:5' } });
    expect(terminal(outcome).result.excerpt).toMatch(/denied/i);
  });

  it('reads an invocation right after sending, pending or done but never missing', async () => {
    const instanceId = sessionHost(h.fleet);
    const { commandId } = await sendOperation(h.send, {
      instanceIds: [instanceId],
      parameters: listParameters('ListSessions'),
      comment: 'sj:read-now',
    });
    const reading = await readInvocation(h.read, { commandId, instanceId });
    expect(['Pending', 'InProgress', 'Success']).toContain(reading.status);
    await h.ssm.idle();
  });
});
