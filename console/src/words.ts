/** What the ledger's codes mean, in words a help desk can read out. Pure: tested beside lib/. */

export const TERMINAL = [
  'succeeded',
  'failed',
  'timed_out',
  'undeliverable',
  'cancelled',
  'skipped',
];

export const STATUS_WORDS: Record<string, string> = {
  planned: 'planned, not sent yet',
  dispatched: 'sent to the host, waiting for its answer',
  succeeded: 'done: the host did it and confirmed it',
  failed: 'failed: the host tried and could not',
  timed_out: 'timed out: the host did not finish in time',
  undeliverable: 'not delivered: the host was not reachable',
  cancelled: 'cancelled',
  skipped: 'not done: refused or held back (see why)',
};

export const OPERATION_WORDS: Record<string, string> = {
  logoff: 'Log off',
  disconnect: 'Disconnect',
  notify: 'Notify',
  'close-file': 'Close file',
  'end-smb-session': 'End SMB session',
  'end-shell': 'End remote shell',
};

/** The host's guards (`guard:<code>`): it checked before acting and refused. Nothing was done. */
export const GUARD_WORDS: Record<string, string> = {
  'session-not-found': 'the session was no longer there when the host looked: nobody was touched.',
  'user-mismatch':
    'the session id now belongs to someone else (Windows reuses ids): the host refused, nobody was touched.',
  'console-session':
    'that is the console session: the host refuses it unless the request says console: true.',
  'file-not-found': 'the file was no longer open: nothing to close.',
  'path-mismatch': 'that file id now holds another file: the host refused to close it.',
  'smb-session-not-found': 'no such SMB session was open any more: nothing to end.',
  'logon-mismatch':
    'the user logged off and on again since the plan: a new logon, so the host left it alone.',
  'state-mismatch':
    'the session changed state since the plan (reconnected, or disconnected): the host left it alone.',
  'not-idle': 'the user came back (input since the plan): the host left the session alone.',
  'disconnected-too-short':
    'the session has not been disconnected long enough (or since an unknown time): left alone.',
  'shell-not-found': 'the remote shell had already ended: nothing to end.',
  'owner-mismatch': 'the remote shell belongs to someone else now: the host refused.',
  'own-shell': 'that is the shell this very command runs in: the host refused to end it.',
};

const OTHER_CAUSES: Array<[RegExp, string]> = [
  [
    /^host:constrained-language$/,
    'the host runs PowerShell in ConstrainedLanguage mode, so its guards cannot run: nothing was done.',
  ],
  [
    /^ssm:DeliveryTimedOut$/,
    'SSM could not deliver the command in time: the host agent was not connected.',
  ],
  [/^ssm:ExecutionTimedOut$/, 'the command ran past its execution timeout on the host.'],
  [/^ssm:/, 'SSM reported the command did not run to the end.'],
  [/^win32:5$/, 'Windows said Access denied (error 5).'],
  [/^win32:(\d+)$/, 'Windows reported error $1.'],
  [
    /^policy:user-active$/,
    'the warned user came back in time: the announced logoff was called off.',
  ],
  [/^not-confirmed$/, 'the host acted, but reading the session back did not show it done.'],
];

/** `guard:user-mismatch` → the sentence for it; an unknown code is shown as it is. */
export function explainCause(errorCode: string | null): string | null {
  if (errorCode === null) return null;
  if (errorCode.startsWith('guard:')) {
    const words = GUARD_WORDS[errorCode.slice('guard:'.length)];
    return words
      ? `The host's guard refused: ${words}`
      : `The host's guard refused (${errorCode}).`;
  }
  for (const [pattern, words] of OTHER_CAUSES) {
    if (pattern.test(errorCode)) return errorCode.replace(pattern, words);
  }
  return errorCode;
}

/** `2026-11-21T20:25:57.590Z` → `2026-11-21 20:25:57 UTC`. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function minutes(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unknown';
  if (value < 120) return `${value} min`;
  const h = Math.floor(value / 60);
  return value % 60 === 0 ? `${h} h` : `${h} h ${value % 60} min`;
}
