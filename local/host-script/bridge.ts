import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { WindowsHost } from '../fleet/types.js';

/**
 * The loopback endpoint through which the fakes of a pwsh run (`host.ps1`, `windows-tool.cjs`)
 * reach the simulated host they stand in for. Each run gets its own invocation id, valid only
 * while that run lasts, so runs on many hosts proceed at once and a late call from a killed run
 * changes nothing. Every call reads or changes the fleet's state at that moment, in Node's one
 * thread: two scripts on one host see each other's changes as on Windows.
 */

const MAX_BODY_BYTES = 64 * 1024;
const decimal = z.string().regex(/^[0-9]{1,20}$/);
const sessionId = z.number().int().min(0).max(0xffff_ffff);

const callSchema = z.discriminatedUnion('call', [
  z.object({ call: z.literal('now') }),
  z.object({ call: z.literal('wts.exists'), args: z.object({ sessionId }) }),
  z.object({
    call: z.literal('wts.text'),
    args: z.object({ sessionId, infoClass: z.number().int() }),
  }),
  z.object({ call: z.literal('wts.console') }),
  z.object({ call: z.literal('wts.info'), args: z.object({ sessionId }) }),
  z.object({ call: z.literal('wts.ids') }),
  z.object({ call: z.literal('smb.sessions') }),
  z.object({ call: z.literal('smb.files') }),
  z.object({ call: z.literal('smb.closeSession'), args: z.object({ sessionId: decimal }) }),
  z.object({ call: z.literal('smb.closeFile'), args: z.object({ fileId: decimal }) }),
  z.object({ call: z.literal('wsman.shells') }),
  z.object({
    call: z.literal('wsman.remove'),
    args: z.object({
      shellId: z.string().regex(/^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/),
    }),
  }),
  z.object({
    call: z.literal('cim.processes'),
    args: z.object({ scriptProcessId: z.number().int().min(0).max(0xffff_ffff) }),
  }),
  z.object({
    call: z.literal('tool'),
    args: z.object({ name: z.string().min(1), argv: z.array(z.string()) }),
  }),
]);
type BridgeCall = z.infer<typeof callSchema>;

export interface HostBridge {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Lets one run reach `windows` until `close()`; its id goes to the run's environment. */
  open(windows: WindowsHost): { invocation: string; close(): void };
  close(): Promise<void>;
}

export async function startHostBridge(): Promise<HostBridge> {
  const invocations = new Map<string, WindowsHost>();
  const server = createServer((request, response) => {
    void handle(invocations, request, response);
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    open(windows) {
      const invocation = randomUUID();
      invocations.set(invocation, windows);
      return { invocation, close: () => invocations.delete(invocation) };
    },
    close: () =>
      new Promise((resolve) => {
        invocations.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  invocations: ReadonlyMap<string, WindowsHost>,
  request: IncomingMessage,
  response: ServerResponse
): Promise<void> {
  const answer = (status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  if (request.method !== 'POST') return answer(405, { error: 'POST only' });
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > MAX_BODY_BYTES) return answer(413, { error: 'body too large' });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return answer(400, { error: 'body is not JSON' });
  }
  const invocation = (body as { invocation?: unknown } | null)?.invocation;
  const windows = typeof invocation === 'string' ? invocations.get(invocation) : undefined;
  if (!windows) return answer(410, { error: 'no such invocation (finished or never started)' });
  const parsed = callSchema.safeParse(body);
  if (!parsed.success) return answer(400, { error: z.prettifyError(parsed.error) });
  try {
    answer(200, { result: dispatch(windows, parsed.data) });
  } catch (error) {
    answer(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

function dispatch(windows: WindowsHost, request: BridgeCall): unknown {
  switch (request.call) {
    case 'now':
      return windows.now().getTime();
    case 'wts.exists':
      return windows.wtsSessionExists(request.args.sessionId);
    case 'wts.text':
      return windows.wtsQueryText(request.args.sessionId, request.args.infoClass);
    case 'wts.console':
      return windows.wtsActiveConsoleSessionId();
    case 'wts.ids':
      return windows.wtsSessionIds();
    case 'wts.info': {
      // FILETIMEs exceed 2^53: decimal text, as the uint64 ids below.
      const info = windows.wtsSessionInfo(request.args.sessionId);
      return info === null
        ? null
        : [
            info.state,
            info.disconnectTime,
            info.lastInputTime,
            info.logonTime,
            info.currentTime,
          ].map(String);
    }
    case 'smb.sessions':
      // uint64 ids travel as decimal text: JSON numbers lose them past 2^53.
      return windows.getSmbSession().map((s) => ({ ...s, SessionId: s.SessionId.toString() }));
    case 'smb.files':
      return windows.getSmbOpenFile().map((f) => ({
        ...f,
        FileId: f.FileId.toString(),
        SessionId: f.SessionId.toString(),
      }));
    case 'smb.closeSession':
      return windows.closeSmbSession(BigInt(request.args.sessionId));
    case 'smb.closeFile':
      return windows.closeSmbOpenFile(BigInt(request.args.fileId));
    case 'wsman.shells':
      return windows.wsmanShells();
    case 'wsman.remove':
      return windows.removeWsmanShell(request.args.shellId);
    case 'cim.processes':
      return windows.processes(request.args.scriptProcessId);
    case 'tool':
      return windows.runTool(request.args.name, request.args.argv);
  }
}
