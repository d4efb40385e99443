import type { Action, Operation } from '../actions/model.js';
import { READ_OPERATIONS } from '../contract.js';
import { InvalidHostParameterError } from './errors.js';
import {
  HOST_OPERATIONS,
  HOST_PARAMETERS,
  type HostOperation,
  type HostParameter,
  type HostParameters,
} from './host-contract.js';

/**
 * Turns an action into the document's parameters, and checks every value against the same rules
 * as the document's `allowedPattern`s before anything is sent: a bad value becomes a typed error
 * here, with the parameter's name, instead of an `InvalidParameters` from SSM with no message.
 */

/** The document operation that carries out each action operation. */
export const HOST_OPERATION_OF = {
  disconnect: 'DisconnectSession',
  logoff: 'LogoffSession',
  notify: 'NotifySession',
  'end-smb-session': 'CloseSmbSession',
  'close-file': 'CloseOpenFile',
  'end-shell': 'EndShell',
} as const satisfies Record<Operation, HostOperation>;

/** The listings: the operations the read-only document allows. */
export type ListOperation = (typeof READ_OPERATIONS)[number];

export function isListOperation(operation: HostOperation): operation is ListOperation {
  return (READ_OPERATIONS as readonly HostOperation[]).includes(operation);
}

/** Any letter or digit of any script: user names on ru-RU or ja-JP hosts are not Latin. */
const NAME = String.raw`\p{L}\p{N}`;
const FILE_ID_BELOW_MAX = [
  '0',
  '[1-9][0-9]{0,18}',
  '1[0-7][0-9]{18}',
  '18[0-3][0-9]{17}',
  '184[0-3][0-9]{16}',
  '1844[0-5][0-9]{15}',
  '18446[0-6][0-9]{14}',
  '184467[0-3][0-9]{13}',
  '1844674[0-3][0-9]{12}',
  '184467440[0-6][0-9]{10}',
  '1844674407[0-2][0-9]{9}',
  '18446744073[0-6][0-9]{8}',
  '1844674407370[0-8][0-9]{6}',
  '18446744073709[0-4][0-9]{5}',
  '184467440737095[0-4][0-9]{4}',
  '18446744073709550[0-9]{3}',
  '18446744073709551[0-5][0-9]{2}',
  '1844674407370955160[0-9]',
  '1844674407370955161[0-4]',
  '18446744073709551615',
].join('|');

/** A drive or UNC path, as ExpectedPath and PathFilter take it. */
const PATH_PATTERN = String.raw`^(?:(?:[A-Za-z]:\\|\\\\[${NAME}._-]{1,253}\\)[${NAME} ._\\(),+=@#{}\[\]~!&'$%-]{0,1000})?$`;

/** A user or `DOMAIN\\user`, as ExpectedUser and ExpectedOwner take it. */
const ACCOUNT_PATTERN = String.raw`^(?:(?:[${NAME}][${NAME}._-]{0,62}\\)?[${NAME}._-][${NAME} ._'-]{0,63})?$`;

/**
 * The document's `allowedPattern`s, character for character (a unit test compares them with
 * `cdk/document/session-janitor-operate.json`). They admit `''` because every optional parameter
 * defaults to it; which parameters an operation requires is checked separately below. They keep
 * out what PowerShell or cmd.exe could give meaning to (`"`, backtick, `;`, `|`, `<`, `>`,
 * newlines) although values travel as environment variables: two layers must fail for an
 * injection to pass. Three exceptions, each common in real names and inert where it goes: `'` in
 * user names (O'Brien) and `'`, `$`, `%` in paths (`ExpectedPath`, `PathFilter`). Those values are never passed to a
 * tool, only read from `$env:SSM_*` and compared as strings (`[string]::Equals`), so nothing
 * expands or evaluates them; `Message`, which does reach msg.exe, admits none of them.
 */
export const PARAMETER_PATTERNS: Record<HostParameter, string> = {
  SessionId: `^(?:0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]|65536)?$`,
  ExpectedUser: ACCOUNT_PATTERN,
  ClientName: String.raw`^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\]|[0-9A-Fa-f:.]{2,45})?$`,
  UserName: String.raw`^(?:(?:[${NAME}][${NAME}._-]{0,62}\\)?[${NAME}._-][${NAME} ._'-]{0,63}\$?)?$`,
  FileId: `^(?:${FILE_ID_BELOW_MAX})?$`,
  ExpectedPath: PATH_PATTERN,
  // The close-file path is what a listing is filtered by.
  PathFilter: PATH_PATTERN,
  AfterFileId: `^(?:${FILE_ID_BELOW_MAX})?$`,
  Message: `^(?:[${NAME}][${NAME} .,!?:()/@#+=_~-]{0,254})?$`,
  WarnSeconds: `^(?:[1-9][0-9]{0,3}|[1-7][0-9]{4}|8[0-5][0-9]{3}|86[0-3][0-9]{2}|86400)?$`,
  ExpectedLogonTime: `^(?:[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9])?$`,
  ExpectedState: '^(?:active|disconnected)?$',
  MinIdleMinutes: '^(?:0|[1-9][0-9]{0,5})?$',
  MinDisconnectedMinutes: '^(?:0|[1-9][0-9]{0,5})?$',
  AllowConsole: '^(?:true)?$',
  ShellId: '^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$',
  // A shell's owner is an account as WinRM shows it, checked as the session owner is.
  ExpectedOwner: ACCOUNT_PATTERN,
  ExpectedShellState: '^(?:Connected|Disconnected)?$',
  MinInactiveMinutes: '^(?:0|[1-9][0-9]{0,5})?$',
};

/** What a legal value looks like, for error messages. */
const EXPECTED: Record<HostParameter, string> = {
  SessionId: 'a session id 0–65536',
  ExpectedUser: 'a user name, optionally DOMAIN\\user',
  ClientName: 'a computer name, DNS name or [IP address]',
  UserName: 'a user name, optionally DOMAIN\\user',
  FileId: 'a file id 0–18446744073709551615',
  ExpectedPath:
    "a drive or UNC path of letters, digits, spaces and . _ ( ) [ ] { } , + = @ # ~ ! & ' $ % -",
  Message: 'up to 255 characters of letters, digits, spaces and . , ! ? : ( ) / @ # + = _ ~ -',
  WarnSeconds: 'seconds 1–86400',
  PathFilter:
    "a drive or UNC path of letters, digits, spaces and . _ ( ) [ ] { } , + = @ # ~ ! & ' $ % -",
  AfterFileId: 'a file id 0–18446744073709551615',
  ExpectedLogonTime: 'a host-local logon time YYYY-MM-DDTHH:MM',
  ExpectedState: 'active or disconnected',
  MinIdleMinutes: 'whole minutes 0–999999',
  MinDisconnectedMinutes: 'whole minutes 0–999999',
  AllowConsole: 'true',
  ShellId: 'a shell id (a GUID)',
  ExpectedOwner: 'a user name, optionally DOMAIN\\user',
  ExpectedShellState: 'Connected or Disconnected',
  MinInactiveMinutes: 'whole minutes 0–999999',
};

const PARAMETER_REGEXPS = Object.fromEntries(
  Object.entries(PARAMETER_PATTERNS).map(([name, source]) => [name, new RegExp(source, 'u')])
) as Record<HostParameter, RegExp>;

/** Parameters each operation needs (non-empty) and may carry; anything else is refused. */
const OPERATION_PARAMETERS: Record<
  HostOperation,
  { required: readonly HostParameter[]; optional: readonly HostParameter[] }
> = {
  ListSessions: { required: [], optional: [] },
  ListSmbSessions: { required: [], optional: [] },
  ListOpenFiles: { required: [], optional: ['PathFilter', 'AfterFileId'] },
  DisconnectSession: {
    required: ['SessionId', 'ExpectedUser'],
    optional: ['ExpectedLogonTime', 'ExpectedState', 'MinIdleMinutes'],
  },
  LogoffSession: {
    required: ['SessionId', 'ExpectedUser'],
    optional: [
      'ExpectedLogonTime',
      'ExpectedState',
      'MinIdleMinutes',
      'MinDisconnectedMinutes',
      'AllowConsole',
    ],
  },
  // Without WarnSeconds, msg keeps its own default display time.
  NotifySession: {
    required: ['SessionId', 'ExpectedUser', 'Message'],
    optional: ['WarnSeconds', 'ExpectedLogonTime'],
  },
  // The script refuses "every session" too; at least one of the two is checked below.
  CloseSmbSession: { required: [], optional: ['ClientName', 'UserName'] },
  CloseOpenFile: { required: ['FileId', 'ExpectedPath'], optional: [] },
  ListShells: { required: [], optional: [] },
  EndShell: {
    required: ['ShellId', 'ExpectedOwner'],
    optional: ['ExpectedShellState', 'MinInactiveMinutes'],
  },
};

function describe(value: string): string {
  return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}…` : JSON.stringify(value);
}

/** msg.exe's limit, as the script counts it. */
const MESSAGE_MAX_UNITS = 255;

/**
 * The script's own Message check, which SSM's pattern checks (Java at the API, Go on the agent)
 * do not make: they count code points, the script's .NET regex counts UTF-16 units and classifies
 * each one, so a letter outside the Basic Multilingual Plane is two surrogates, and no letter, to
 * it. `length` and `charAt` are UTF-16 in JavaScript too.
 */
function isHostMessage(value: string): boolean {
  return value.length <= MESSAGE_MAX_UNITS && /^[\p{L}\p{N}]$/u.test(value.charAt(0));
}

/** Throws {@link InvalidHostParameterError} unless `value` is legal for `parameter`. */
export function assertValidParameterValue(parameter: HostParameter, value: string): void {
  if (!PARAMETER_REGEXPS[parameter].test(value)) {
    throw new InvalidHostParameterError(
      parameter,
      `${parameter} ${describe(value)} is not ${EXPECTED[parameter]}`
    );
  }
  if (parameter === 'Message' && value !== '' && !isHostMessage(value)) {
    throw new InvalidHostParameterError(
      parameter,
      `Message ${describe(value)} is not up to ${MESSAGE_MAX_UNITS} UTF-16 units starting with a letter or digit of the Basic Multilingual Plane, as the host counts them`
    );
  }
}

/**
 * Checks a complete parameter set: a known operation, only the parameters that operation takes,
 * every required one present and every value legal. Empty strings count as absent, as the
 * document's defaults are `''`.
 */
export function assertValidHostParameters(parameters: HostParameters): void {
  const operation: unknown = parameters.Operation;
  if (!(HOST_OPERATIONS as readonly unknown[]).includes(operation)) {
    throw new InvalidHostParameterError('Operation', `unknown operation ${String(operation)}`);
  }
  const spec = OPERATION_PARAMETERS[operation as HostOperation];
  const allowed = new Set<string>(['Operation', ...spec.required, ...spec.optional]);
  for (const [name, value] of Object.entries(parameters)) {
    if (name === 'Operation' || value === undefined || value === '') continue;
    if (!(HOST_PARAMETERS as readonly string[]).includes(name)) {
      throw new InvalidHostParameterError(name, `${name} is not a parameter of the document`);
    }
    if (!allowed.has(name)) {
      throw new InvalidHostParameterError(name, `${operation} does not take ${name}`);
    }
    if (typeof value !== 'string') {
      throw new InvalidHostParameterError(name, `${name} must be a string`);
    }
    assertValidParameterValue(name as HostParameter, value);
  }
  for (const name of spec.required) {
    if (!parameters[name]) {
      throw new InvalidHostParameterError(name, `${operation} needs ${name}`);
    }
  }
  if (operation === 'CloseSmbSession' && !parameters.ClientName && !parameters.UserName) {
    throw new InvalidHostParameterError(
      'ClientName',
      'CloseSmbSession needs ClientName or UserName: closing every SMB session is refused'
    );
  }
}

export type ActionParametersInput = Pick<
  Action,
  'operation' | 'target' | 'message' | 'warnSeconds'
> &
  Partial<Pick<Action, 'trigger'>>;

/** Only a request that said `console: true` lets the host log off the console session. */
function allowsConsole(action: ActionParametersInput): boolean {
  return action.trigger?.kind === 'api' && action.trigger.overrides?.console === true;
}

function targetMismatch(operation: Operation, kind: string): InvalidHostParameterError {
  return new InvalidHostParameterError('target', `${operation} cannot act on a ${kind} target`);
}

/** A guard parameter when the action knows its value; absent, the host does not check it. */
function optional(
  name: HostParameter,
  value: string | number | null | undefined
): Partial<Record<HostParameter, string>> {
  return value === null || value === undefined ? {} : { [name]: String(value) };
}

function buildParameters(action: ActionParametersInput): HostParameters {
  const { operation, target } = action;
  const Operation = HOST_OPERATION_OF[operation];
  switch (operation) {
    case 'disconnect':
    case 'logoff':
    case 'notify': {
      if (target.kind !== 'session') throw targetMismatch(operation, target.kind);
      const session = {
        SessionId: String(target.sessionId),
        ExpectedUser: target.expectedUser,
        ...optional('ExpectedLogonTime', target.logonTime),
      };
      if (operation !== 'notify') {
        return {
          Operation,
          ...session,
          ...optional('ExpectedState', target.expectedState),
          ...optional('MinIdleMinutes', target.minIdleMinutes),
          ...(operation === 'logoff'
            ? {
                ...optional('MinDisconnectedMinutes', target.minDisconnectedMinutes),
                ...(allowsConsole(action) ? { AllowConsole: 'true' } : {}),
              }
            : {}),
        };
      }
      return {
        Operation,
        ...session,
        Message: action.message ?? '',
        WarnSeconds: action.warnSeconds?.toString(),
      };
    }
    case 'end-smb-session': {
      if (target.kind !== 'smb') throw targetMismatch(operation, target.kind);
      return {
        Operation,
        ClientName: target.clientName || undefined,
        UserName: target.userName || undefined,
      };
    }
    case 'close-file': {
      if (target.kind !== 'file') throw targetMismatch(operation, target.kind);
      return { Operation, FileId: target.fileId, ExpectedPath: target.expectedPath };
    }
    case 'end-shell': {
      if (target.kind !== 'shell') throw targetMismatch(operation, target.kind);
      return {
        Operation,
        ShellId: target.shellId,
        ExpectedOwner: target.expectedOwner,
        ...optional('ExpectedShellState', target.expectedState),
        ...optional('MinInactiveMinutes', target.minInactiveMinutes),
      };
    }
  }
}

/**
 * The document parameters for an action, validated. Throws {@link InvalidHostParameterError}
 * (naming the parameter) for a target of the wrong kind or any value the document would refuse.
 *
 * @example toHostParameters({ operation: 'logoff', target: { kind: 'session', sessionId: 3,
 *   expectedUser: 'CONTOSO\\alice' } }) // → { Operation: 'LogoffSession', SessionId: '3', … }
 */
export function toHostParameters(action: ActionParametersInput): HostParameters {
  if (action.target.kind === 'session' && !Number.isSafeInteger(action.target.sessionId)) {
    throw new InvalidHostParameterError('SessionId', 'SessionId must be an integer');
  }
  if (
    action.operation === 'notify' &&
    action.warnSeconds != null &&
    !Number.isSafeInteger(action.warnSeconds)
  ) {
    throw new InvalidHostParameterError('WarnSeconds', 'WarnSeconds must be an integer');
  }
  const parameters = buildParameters(action);
  assertValidHostParameters(parameters);
  return parameters;
}

/** What a listing may narrow: `ListOpenFiles` by path and page. */
export type ListOptions = Partial<Record<'PathFilter' | 'AfterFileId', string>>;

/** The parameters of a listing, validated: the operation and what narrows it. */
export function listParameters(
  operation: ListOperation,
  options: ListOptions = {}
): HostParameters {
  const parameters: HostParameters = { Operation: operation };
  if (options.PathFilter) parameters.PathFilter = options.PathFilter;
  if (options.AfterFileId) parameters.AfterFileId = options.AfterFileId;
  assertValidHostParameters(parameters);
  return parameters;
}
