import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostParameters } from '../../lib/ssm/host-contract.js';
import { createFleet } from '../../local/fleet/fleet.js';
import type { ScriptRun, SimulatedFleet } from '../../local/fleet/types.js';
import { type PwshHostScript, startPwshHostScript } from '../../local/host-script/pwsh.js';
import { realScriptRuns } from './pwsh.js';

/*
 * The TypeScript stand-in against the document's real script under pwsh: the same operation on
 * two identical simulated fleets must end the same way (process exit code, stderr, the envelope
 * it printed, and every host's state afterwards). Where they differed, the stand-in was fixed:
 * each case below that says "pins" failed before.
 */

const runs = await realScriptRuns('stand-in vs real host script');
let pwsh: PwshHostScript;

beforeAll(async () => {
  if (runs) pwsh = await startPwshHostScript();
});
afterAll(async () => {
  await pwsh?.close();
});

type Setup = (fleet: SimulatedFleet, host: string) => HostParameters;

interface Case {
  name: string;
  host: string;
  setup: Setup;
}

const KELVIN = '\u212a';
const SHARED = "D:\\Shares\\Forschung & Entwicklung\\O'Brien Übersicht.xlsx";

/** 300 open files whose paths escape long (& and ' in 5.1, non-ASCII); their ids, sorted. */
function busy(fleet: SimulatedFleet, host: string): string[] {
  const ids: bigint[] = [];
  for (let i = 0; i < 300; i++) {
    const path = `D:\\Shares\\R&D\\O'Brien Prüfbericht ${i}.xlsx`;
    ids.push(
      BigInt(fleet.addOpenFile(host, { path, clientComputerName: 'PC-BUSY', user: `u${i % 7}` }))
    );
  }
  return ids.sort((a, b) => (a < b ? -1 : 1)).map(String);
}
const LONG_NAME = `${'Protokoll '.repeat(120)}.txt`;

const CASES: Case[] = [
  { name: 'ListSessions, ja-JP', host: 'RDSH-JP-01', setup: () => ({ Operation: 'ListSessions' }) },
  {
    name: 'ListSessions, nobody on: quser exit 1, localized stderr, the script exits 0',
    host: 'FS-DE-01',
    setup: () => ({ Operation: 'ListSessions' }),
  },
  {
    name: 'ListSessions over the envelope limits: trimmed and said so',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      for (let i = 0; i < 230; i++) fleet.addSession(host, { user: `CORP\\overflow.user${i}` });
      return { Operation: 'ListSessions' };
    },
  },
  {
    name: 'ListSessions of mostly escaped text over 20,000 characters: cut by what it overshoots (pins)',
    host: 'RDSH-JP-01',
    setup: (fleet, host) => {
      for (let i = 0; i < 220; i++) fleet.addSession(host, { user: `CORP\\ユーザー${i}` });
      return { Operation: 'ListSessions' };
    },
  },
  {
    name: 'DisconnectSession of the console: guard console-session',
    host: 'RDSH-DE-01',
    setup: () => ({
      Operation: 'DisconnectSession',
      SessionId: '1',
      ExpectedUser: 'administrator',
    }),
  },
  {
    name: 'LogoffSession of the console without AllowConsole: guard console-session (issue 12.5)',
    host: 'RDSH-DE-01',
    setup: () => ({ Operation: 'LogoffSession', SessionId: '1', ExpectedUser: 'administrator' }),
  },
  {
    name: 'LogoffSession of the console with AllowConsole: logged off',
    host: 'RDSH-DE-01',
    setup: () => ({
      Operation: 'LogoffSession',
      SessionId: '1',
      ExpectedUser: 'administrator',
      AllowConsole: 'true',
    }),
  },
  {
    name: 'LogoffSession with an AllowConsole other than true: exit 2',
    host: 'RDSH-DE-01',
    setup: () => ({
      Operation: 'LogoffSession',
      SessionId: '1',
      ExpectedUser: 'administrator',
      AllowConsole: 'yes',
    }),
  },
  {
    name: 'LogoffSession of the same name in another domain: guard user-mismatch',
    host: 'RDSH-ES-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.domain' });
      return {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: 'OTHER\\agree.domain',
      };
    },
  },
  {
    name: 'LogoffSession of another user: guard user-mismatch',
    host: 'RDSH-ES-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.owner' });
      return { Operation: 'LogoffSession', SessionId: String(id), ExpectedUser: 'CORP\\other' };
    },
  },
  {
    name: 'LogoffSession of a protected account: Access denied, localized, exit 1',
    host: 'RDSH-JP-01',
    setup: (fleet, host) => {
      const svc = fleet.host(host).sessions.find((s) => s.protected);
      return { Operation: 'LogoffSession', SessionId: String(svc?.id), ExpectedUser: 'svc_backup' };
    },
  },
  {
    name: 'NotifySession with a timeout: msg gets the message as one argument',
    host: 'RDSH-FR-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.warned' });
      return {
        Operation: 'NotifySession',
        SessionId: String(id),
        ExpectedUser: 'agree.warned',
        Message: 'Déconnexion dans 5 minutes, merci (enregistrez) : /tmp',
        WarnSeconds: '300',
      };
    },
  },
  {
    name: 'LogoffSession with every guard holding: logged off, read back gone',
    host: 'RDSH-DE-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, {
        user: 'CORP\\agree.away',
        state: 'disconnected',
        idleMinutes: 78,
        disconnectedMinutes: 40,
      });
      return {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: 'CORP\\agree.away',
        ExpectedLogonTime: logonTimeOf(fleet, host, id),
        ExpectedState: 'disconnected',
        MinDisconnectedMinutes: '40',
      };
    },
  },
  {
    name: 'DisconnectSession of an idle session: read back disconnected',
    host: 'RDSH-JP-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.idle', idleMinutes: 30 });
      return {
        Operation: 'DisconnectSession',
        SessionId: String(id),
        ExpectedUser: 'agree.idle',
        ExpectedLogonTime: logonTimeOf(fleet, host, id),
        ExpectedState: 'active',
        MinIdleMinutes: '30',
      };
    },
  },
  {
    name: 'LogoffSession of a hung session: logoff exits 0, read back active, not confirmed (exit 3)',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.hung', hung: true });
      return { Operation: 'LogoffSession', SessionId: String(id), ExpectedUser: 'agree.hung' };
    },
  },
  {
    name: 'LogoffSession planned for an earlier logon of the same user and id: guard logon-mismatch',
    host: 'RDSH-FR-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, {
        user: 'CORP\\zoe',
        state: 'disconnected',
        idleMinutes: 78,
        loggedOnMinutes: 180,
      });
      const planned = logonTimeOf(fleet, host, id);
      fleet.logOff(host, id);
      fleet.addSession(host, { user: 'CORP\\zoe', sessionId: id, loggedOnMinutes: 2 });
      return {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: 'CORP\\zoe',
        ExpectedLogonTime: planned,
        ExpectedState: 'disconnected',
        MinDisconnectedMinutes: '15',
      };
    },
  },
  {
    name: 'LogoffSession of a session active again: guard state-mismatch',
    host: 'RDSH-ES-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.back', idleMinutes: 1 });
      return {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: 'agree.back',
        ExpectedState: 'disconnected',
      };
    },
  },
  {
    name: 'DisconnectSession of a session with input since: guard not-idle',
    host: 'RDSH-ES-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, { user: 'CORP\\agree.typing', idleMinutes: 2 });
      return {
        Operation: 'DisconnectSession',
        SessionId: String(id),
        ExpectedUser: 'agree.typing',
        MinIdleMinutes: '5',
      };
    },
  },
  {
    name: 'LogoffSession of a session disconnected too short a time: guard disconnected-too-short',
    host: 'RDSH-RU-01',
    setup: (fleet, host) => {
      const id = fleet.addSession(host, {
        user: 'CORP\\agree.left',
        state: 'disconnected',
        idleMinutes: 78,
        disconnectedMinutes: 3,
      });
      return {
        Operation: 'LogoffSession',
        SessionId: String(id),
        ExpectedUser: 'agree.left',
        MinDisconnectedMinutes: '15',
      };
    },
  },
  {
    name: 'ListSessions in ConstrainedLanguage mode (WDAC): lists, and the envelope says the mode',
    host: 'RDSH-JP-01',
    setup: (fleet, host) => {
      fleet.setLanguageMode(host, 'ConstrainedLanguage');
      return { Operation: 'ListSessions' };
    },
  },
  {
    name: 'LogoffSession in ConstrainedLanguage mode: exit 30, nothing done',
    host: 'RDSH-ES-01',
    setup: (fleet, host) => {
      fleet.setLanguageMode(host, 'ConstrainedLanguage');
      const id = fleet.addSession(host, { user: 'CORP\\agree.locked' });
      return { Operation: 'LogoffSession', SessionId: String(id), ExpectedUser: 'agree.locked' };
    },
  },
  { name: 'ListOpenFiles', host: 'FS-DE-01', setup: () => ({ Operation: 'ListOpenFiles' }) },
  {
    name: 'ListOpenFiles of a busy server: the first page, whole, within the envelope (pins the page cost)',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      busy(fleet, host);
      return { Operation: 'ListOpenFiles' };
    },
  },
  {
    name: 'ListOpenFiles of a busy server: the page after AfterFileId',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      const ids = busy(fleet, host);
      return { Operation: 'ListOpenFiles', AfterFileId: ids[150] ?? '' };
    },
  },
  {
    name: 'ListOpenFiles by PathFilter: every handle of that path, any case, nothing else',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      busy(fleet, host);
      for (const user of ['a.one', 'b.two', 'c.three']) {
        fleet.addOpenFile(host, { path: SHARED, clientComputerName: 'PC-SHARED', user });
      }
      return { Operation: 'ListOpenFiles', PathFilter: SHARED.toLowerCase() };
    },
  },
  {
    name: 'CloseSmbSession by user without domain, closing its files',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      fleet.addOpenFile(host, {
        path: 'D:\\Shares\\Finanzen\\Agree.xlsx',
        clientComputerName: 'PC-AGREE',
        user: 'agree.smb',
      });
      return { Operation: 'CloseSmbSession', UserName: 'AGREE.SMB' };
    },
  },
  {
    name: "CloseSmbSession by client alone: every user's session from it, each one named",
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      for (const user of ['farm.one', 'farm.two', 'CORP\\farm.three']) {
        fleet.addSmbSession(host, { clientComputerName: 'CTX-AGREE', user });
      }
      return { Operation: 'CloseSmbSession', ClientName: 'ctx-agree' };
    },
  },
  {
    name: 'CloseOpenFile by id and path, case-insensitive',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      const path = 'D:\\Shares\\Finanzen\\Straße Übersicht.xlsx';
      const id = fleet.addOpenFile(host, { path, clientComputerName: 'PC-A', user: 'a.b' });
      return { Operation: 'CloseOpenFile', FileId: id, ExpectedPath: path.toUpperCase() };
    },
  },
  {
    name: 'CloseOpenFile whose path only .NET-folds differently (Kelvin sign): path-mismatch (pins)',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      const id = fleet.addOpenFile(host, {
        path: 'D:\\Shares\\Labor\\k-Wert.csv',
        clientComputerName: 'PC-A',
        user: 'a.b',
      });
      return {
        Operation: 'CloseOpenFile',
        FileId: id,
        ExpectedPath: `D:\\Shares\\Labor\\${KELVIN}-Wert.csv`,
      };
    },
  },
  {
    name: 'CloseOpenFile whose long path changed: the guard message is cut at 1000 (pins)',
    host: 'FS-DE-01',
    setup: (fleet, host) => {
      const id = fleet.addOpenFile(host, {
        path: `D:\\Shares\\Archiv\\${LONG_NAME}`,
        clientComputerName: 'PC-A',
        user: 'a.b',
      });
      return { Operation: 'CloseOpenFile', FileId: id, ExpectedPath: 'D:\\Shares\\Archiv\\x.txt' };
    },
  },
  {
    name: 'ListShells: PowerShell remoting and winrs, Connected and Disconnected, Block and Drop',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      fleet.addShell(host, {
        owner: 'CORP\\adm.agree',
        state: 'Disconnected',
        inactiveMinutes: 45,
        childProcesses: 2,
      });
      fleet.addShell(host, {
        owner: 'svc_deploy',
        kind: 'winrs',
        bufferMode: 'Drop',
        inactiveMinutes: 1,
        openMinutes: 1500,
      });
      return { Operation: 'ListShells' };
    },
  },
  {
    name: 'EndShell of a Disconnected shell with a blocked command: ended, read back gone',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addShell(host, {
        owner: 'CORP\\adm.agree',
        state: 'Disconnected',
        inactiveMinutes: 45,
        childProcesses: 2,
      });
      return { Operation: 'EndShell', ShellId: id.toLowerCase(), ExpectedOwner: 'ADM.AGREE' };
    },
  },
  {
    name: 'EndShell of a Connected shell with a running command: ended-ungraceful',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addShell(host, { owner: 'CORP\\adm.agree', childProcesses: 1 });
      return { Operation: 'EndShell', ShellId: id, ExpectedOwner: 'CORP\\adm.agree' };
    },
  },
  {
    name: "EndShell of another owner's shell: guard owner-mismatch",
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addShell(host, { owner: 'CORP\\adm.agree', state: 'Disconnected' });
      return { Operation: 'EndShell', ShellId: id, ExpectedOwner: 'OTHER\\adm.agree' };
    },
  },
  {
    name: 'EndShell planned for a Disconnected shell whose client came back: guard state-mismatch',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addShell(host, { owner: 'CORP\\adm.agree', inactiveMinutes: 50 });
      return {
        Operation: 'EndShell',
        ShellId: id,
        ExpectedOwner: 'adm.agree',
        ExpectedShellState: 'Disconnected',
        MinInactiveMinutes: '30',
      };
    },
  },
  {
    name: 'EndShell of a shell used since: guard not-idle',
    host: 'RDSH-US-01',
    setup: (fleet, host) => {
      const id = fleet.addShell(host, {
        owner: 'CORP\\adm.agree',
        state: 'Disconnected',
        inactiveMinutes: 29,
      });
      return {
        Operation: 'EndShell',
        ShellId: id,
        ExpectedOwner: 'adm.agree',
        ExpectedShellState: 'Disconnected',
        MinInactiveMinutes: '30',
      };
    },
  },
  {
    name: 'EndShell of a shell that is not there: guard shell-not-found',
    host: 'RDSH-US-01',
    setup: () => ({
      Operation: 'EndShell',
      ShellId: '00000000-0000-0000-0000-000000000001',
      ExpectedOwner: 'adm.agree',
    }),
  },
  {
    name: 'EndShell with a ShellId that is no GUID: exit 2',
    host: 'RDSH-US-01',
    setup: () => ({ Operation: 'EndShell', ShellId: '{0000}', ExpectedOwner: 'adm.agree' }),
  },
  {
    name: 'an unknown Operation: no envelope, one stderr line, exit 2 (pins)',
    host: 'RDSH-US-01',
    setup: () => ({ Operation: 'RebootHost' as HostParameters['Operation'] }),
  },
];

/** A session's logon as quser prints it (host-local, to the minute): what the planner sends. */
function logonTimeOf(fleet: SimulatedFleet, host: string, sessionId: number): string {
  const view = fleet.host(host);
  const session = view.sessions.find((s) => s.id === sessionId);
  const local = Date.parse(session?.logonTime ?? '') + view.utcOffsetMinutes * 60_000;
  return new Date(local).toISOString().slice(0, 16);
}

function still(hostScript?: PwshHostScript['run']): SimulatedFleet {
  return createFleet({
    seed: 23,
    hosts: 7,
    liveSessions: false,
    durationScale: 0,
    ...(hostScript ? { hostScript } : {}),
  });
}

/**
 * What must agree. Left to the platform: line ends (pwsh here prints LF where Windows prints CRLF)
 * and how ConvertTo-Json escapes `&` (PowerShell 7 leaves it, 5.1 writes \u0026): JSON is compared
 * as values.
 */
function observed(run: ScriptRun, fleet: SimulatedFleet) {
  const stdout = run.stdout.trim();
  const envelope = stdout === '' ? null : (JSON.parse(stdout) as Record<string, unknown>);
  const inner = String(envelope?.stdout ?? '');
  return {
    exitCode: run.exitCode,
    stderr: run.stderr.replace(/\r?\n/g, '\r\n'),
    envelope: inner.startsWith('[') ? { ...envelope, stdout: JSON.parse(inner) } : envelope,
    hosts: fleet.instances().map((i) => fleet.host(i.instanceId)),
  };
}

/**
 * Each case starts pwsh (about 2 CPU-s): `npm test` runs the first case of each operation and
 * every case that pinned a fix; `npm run test:host` (HOST_SCRIPT=full) runs them all.
 */
function quickForm(cases: readonly Case[]): Case[] {
  const seen = new Set<string>();
  return cases.filter(({ name }) => {
    const operation = name.split(/[ ,:]/)[0] ?? name;
    const first = !seen.has(operation);
    seen.add(operation);
    return first || /\(pins|\(issue/.test(name);
  });
}

describe.runIf(runs)('the TypeScript stand-in and the real script agree', () => {
  const cases = process.env.HOST_SCRIPT === 'full' ? CASES : quickForm(CASES);
  for (const { name, host, setup } of cases) {
    it.concurrent(name, { timeout: 90_000 }, async () => {
      const standIn = still();
      const real = still(pwsh.run);
      const id = standIn.instances().find((i) => i.computerName === host)?.instanceId ?? '';
      const parameters = setup(standIn, id);
      expect(setup(real, id)).toEqual(parameters);

      const expected = observed(await standIn.run(id, parameters), standIn);
      const actual = observed(await real.run(id, parameters), real);
      expect(actual).toEqual(expected);
    });
  }
});
