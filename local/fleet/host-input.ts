import { FleetError } from './errors.js';
import {
  type HostState,
  lowestFreeSessionId,
  MINUTE_MS,
  type SmbSessionState,
  splitAccount,
} from './host-state.js';
import { FILE_ID_HIGH, type IdSource, UINT64_MAX } from './ids.js';
import {
  createSmbSession,
  nextRdpName,
  putSession,
  READ_WRITE,
  type SmbInput,
} from './population.js';
import type { AddOpenFileInput, AddSessionInput, AddSmbSessionInput } from './types.js';

/** What a test or the demo puts on a host, checked as a FleetError before anything changes. */

const ACCOUNT = /^(?:[^\\\s]+\\)?[^\\\s]+$/;

export function addSession(host: HostState, input: AddSessionInput, now: number): number {
  const user = typeof input?.user === 'string' ? input.user : '';
  if (!ACCOUNT.test(user))
    throw new FleetError('invalid-input', 'user must be user or DOMAIN\\user');
  const state = input.state ?? 'active';
  if (state !== 'active' && state !== 'disconnected') {
    throw new FleetError(
      'invalid-input',
      `state must be active or disconnected, not ${String(state)}`
    );
  }
  const idle = input.idleMinutes ?? 0;
  const onFor = input.loggedOnMinutes ?? idle + 5;
  if (!isCount(idle) || !isCount(onFor) || onFor < idle) {
    throw new FleetError(
      'invalid-input',
      'idleMinutes and loggedOnMinutes are whole minutes ≥ 0, loggedOnMinutes ≥ idleMinutes'
    );
  }
  const away = input.disconnectedMinutes ?? idle;
  if (
    !isCount(away) ||
    away > idle ||
    (state === 'active' && input.disconnectedMinutes !== undefined)
  ) {
    throw new FleetError(
      'invalid-input',
      'disconnectedMinutes is whole minutes ≤ idleMinutes, for a disconnected session'
    );
  }
  const console = input.console ?? false;
  const id = input.sessionId ?? lowestFreeSessionId(host);
  if (!Number.isInteger(id) || id < 1 || id > 65535) {
    throw new FleetError('invalid-input', 'sessionId must be an integer from 1 to 65535');
  }
  if (host.sessions.has(id)) {
    throw new FleetError(
      'session-id-in-use',
      `Session ${id} is in use on ${host.instance.instanceId}`
    );
  }
  putSession(host, {
    ...splitAccount(user),
    id,
    // Disconnected, the console session is still the console's (WTS says so), but quser names it no more.
    sessionName: state !== 'active' ? null : console ? 'console' : nextRdpName(host),
    state,
    logonAt: now - onFor * MINUTE_MS,
    lastInputAt: now - idle * MINUTE_MS,
    disconnectedAt: now - away * MINUTE_MS,
    console,
    protected: input.protected ?? false,
    live: input.live ?? false,
    working: false,
    hung: input.hung ?? false,
  });
  return id;
}

export function validSmbInput(input: AddSmbSessionInput): SmbInput {
  const client = (
    typeof input?.clientComputerName === 'string' ? input.clientComputerName : ''
  ).replace(/^\\\\/, '');
  const user = typeof input?.user === 'string' ? input.user : '';
  if (client === '' || /\s/.test(client)) {
    throw new FleetError('invalid-input', 'clientComputerName must be a host name or address');
  }
  if (!ACCOUNT.test(user))
    throw new FleetError('invalid-input', 'user must be user or DOMAIN\\user');
  const secondsIdle = input.secondsIdle ?? 0;
  if (!isCount(secondsIdle)) throw new FleetError('invalid-input', 'secondsIdle must be ≥ 0');
  const { domain, userName } = splitAccount(user);
  return {
    clientComputerName: client,
    clientUserName: `${domain}\\${userName}`,
    secondsIdle,
    dialect: input.dialect ?? '3.1.1',
  };
}

export function addOpenFile(
  host: HostState,
  input: AddOpenFileInput,
  now: number,
  ids: IdSource
): string {
  const path = typeof input?.path === 'string' ? input.path : '';
  if (!/^[A-Za-z]:\\[^\r\n]*$/.test(path)) {
    throw new FleetError('invalid-input', 'path must be a server-local path like D:\\Shares\\x');
  }
  const locks = input.locks ?? 0;
  if (!isCount(locks)) throw new FleetError('invalid-input', 'locks must be a whole number ≥ 0');
  const permissions = input.permissions ?? READ_WRITE;
  if (!isCount(permissions) || permissions > 0xffff_ffff) {
    throw new FleetError('invalid-input', 'permissions must be a 32-bit access mask');
  }
  const fileId = input.fileId;
  if (fileId !== undefined && (!/^\d{1,20}$/.test(fileId) || BigInt(fileId) > UINT64_MAX)) {
    throw new FleetError('invalid-input', 'fileId must be a decimal uint64');
  }
  if (fileId !== undefined && ids.has(BigInt(fileId))) {
    throw new FleetError('invalid-input', `FileId ${fileId} is in use`);
  }
  let smb: SmbSessionState | undefined;
  if (input.smbSessionId !== undefined) {
    smb = /^\d{1,20}$/.test(input.smbSessionId)
      ? host.smbSessions.get(BigInt(input.smbSessionId))
      : undefined;
    if (!smb) {
      throw new FleetError(
        'unknown-smb-session',
        `No SMB session ${input.smbSessionId} on ${host.instance.instanceId}`
      );
    }
  } else {
    const wanted = validSmbInput({
      clientComputerName: input.clientComputerName ?? '',
      user: input.user ?? '',
    });
    smb =
      [...host.smbSessions.values()].find(
        (s) =>
          s.clientComputerName.toLowerCase() === wanted.clientComputerName.toLowerCase() &&
          s.clientUserName.toLowerCase() === wanted.clientUserName.toLowerCase()
      ) ?? createSmbSession(host, wanted, now, ids);
  }
  const id = fileId !== undefined ? ids.claim(BigInt(fileId)) : ids.next(FILE_ID_HIGH);
  host.openFiles.set(id, { id, smbSessionId: smb.id, path, locks, permissions });
  smb.lastRequestAt = now;
  return id.toString();
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
