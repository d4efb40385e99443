export const FLEET_ERROR_CODES = [
  'unknown-instance',
  'host-unreachable',
  'invalid-input',
  'session-id-in-use',
  'unknown-smb-session',
] as const;
export type FleetErrorCode = (typeof FLEET_ERROR_CODES)[number];

/**
 * What a cmdlet on a simulated host throws (WinRM not answering): the script does not foresee it,
 * and its top-level catch reports the message and fails the run, a listing too.
 */
export class CmdletError extends Error {
  override readonly name = 'CmdletError';
}

/** Misuse of the simulated fleet (bad helper input, unknown host). The fleet state is unchanged. */
export class FleetError extends Error {
  override readonly name = 'FleetError';
  constructor(
    readonly code: FleetErrorCode,
    message: string
  ) {
    super(message);
  }
}
