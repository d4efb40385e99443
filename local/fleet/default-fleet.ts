import type { HostCulture } from './locales.js';

/**
 * The default fleet of 12 (in this order; `hosts: n` takes the first n, more cycle the session
 * hosts). The first six cover every culture, so even a small fleet shows every quser layout.
 *
 *  1 RDSH-US-01  en-US  session host  default group   (+ svc_backup, + a 28-character user name)
 *  2 RDSH-DE-01  de-DE  session host  strict group    (+ svc_backup)
 *  3 RDSH-FR-01  fr-FR  session host  default group
 *  4 RDSH-ES-01  es-ES  session host  default group
 *  5 RDSH-RU-01  ru-RU  session host  default group
 *  6 RDSH-JP-01  ja-JP  session host  default group   (+ svc_backup)
 *  7 FS-DE-01    de-DE  file server   file-servers    SMB sessions from the session hosts' users
 *  8 RDSH-US-02  en-US  session host  default group   (UTC-8)
 *  9 RDSH-DE-02  de-DE  session host  strict group
 * 10 FS-US-01    en-US  file server   file-servers    busy: 1,200 more open files (see BUSY_FILE_SERVER)
 * 11 RDSH-US-03  en-US  session host  default group   PingStatus ConnectionLost
 * 12 RDSH-LAB-01 fr-FR  session host  no managed tag  (never swept)
 *
 * Every session host has a console session (`Administrator`, logged on days ago) and 2–6 RDP users
 * drawn from the seed: some working, some active but away, some disconnected for hours.
 * `svc_backup` is a protected account: disconnected for days, its logoff is Access denied.
 */
export interface HostBlueprint {
  computerName: string;
  culture: HostCulture;
  role: 'session-host' | 'file-server';
  group: string;
  managed: boolean;
  pingStatus: 'Online' | 'ConnectionLost' | 'Inactive';
  utcOffsetMinutes?: number;
  protectedAccount?: boolean;
  longUserName?: boolean;
  /** A busy file server: this many more open files (`BUSY_FILE_SERVER`). */
  busyOpenFiles?: number;
  platformName: string;
  platformVersion: string;
}

const WS2022 = {
  platformName: 'Microsoft Windows Server 2022 Datacenter',
  platformVersion: '10.0.20348',
};
const WS2019 = {
  platformName: 'Microsoft Windows Server 2019 Datacenter',
  platformVersion: '10.0.17763',
};

const blueprint = (
  computerName: string,
  culture: HostCulture,
  extra: Partial<HostBlueprint> = {}
): HostBlueprint => ({
  computerName,
  culture,
  role: 'session-host',
  group: 'default',
  managed: true,
  pingStatus: 'Online',
  ...WS2022,
  ...extra,
});

export const DEFAULT_BLUEPRINTS: readonly HostBlueprint[] = [
  blueprint('RDSH-US-01', 'en-US', { protectedAccount: true, longUserName: true }),
  blueprint('RDSH-DE-01', 'de-DE', { group: 'strict', protectedAccount: true }),
  blueprint('RDSH-FR-01', 'fr-FR', WS2019),
  blueprint('RDSH-ES-01', 'es-ES'),
  blueprint('RDSH-RU-01', 'ru-RU', WS2019),
  blueprint('RDSH-JP-01', 'ja-JP', { protectedAccount: true }),
  blueprint('FS-DE-01', 'de-DE', { role: 'file-server', group: 'file-servers' }),
  blueprint('RDSH-US-02', 'en-US', { utcOffsetMinutes: -480 }),
  blueprint('RDSH-DE-02', 'de-DE', { group: 'strict' }),
  blueprint('FS-US-01', 'en-US', {
    role: 'file-server',
    group: 'file-servers',
    busyOpenFiles: 1200,
    ...WS2019,
  }),
  blueprint('RDSH-US-03', 'en-US', { pingStatus: 'ConnectionLost' }),
  blueprint('RDSH-LAB-01', 'fr-FR', { managed: false }),
];

/** Blueprints for `count` hosts: the default twelve, then more session hosts in every culture. */
export function blueprints(count: number): HostBlueprint[] {
  const out = DEFAULT_BLUEPRINTS.slice(0, count);
  const cultures: readonly [HostCulture, string][] = [
    ['en-US', 'US'],
    ['de-DE', 'DE'],
    ['fr-FR', 'FR'],
    ['es-ES', 'ES'],
    ['ru-RU', 'RU'],
    ['ja-JP', 'JP'],
  ];
  for (let i = out.length; i < count; i++) {
    const [culture, code] = cultures[(i - DEFAULT_BLUEPRINTS.length) % cultures.length] ?? [
      'en-US',
      'US',
    ];
    const number = 10 + Math.floor((i - DEFAULT_BLUEPRINTS.length) / cultures.length);
    out.push(blueprint(`RDSH-${code}-${String(number).padStart(2, '0')}`, culture));
  }
  return out;
}

export const USER_POOLS: Record<HostCulture, readonly string[]> = {
  'en-US': [
    'alice.johnson',
    'bob.smith',
    'carol.white',
    'dave.miller',
    'erin.davis',
    'frank.moore',
  ],
  'de-DE': [
    'anna.schmidt',
    'lukas.mueller',
    'jonas.weber',
    'lea.fischer',
    'felix.wagner',
    'mia.becker',
  ],
  'fr-FR': [
    'camille.martin',
    'lucas.bernard',
    'chloe.dubois',
    'hugo.thomas',
    'lea.robert',
    'louis.petit',
  ],
  'es-ES': [
    'lucia.garcia',
    'pablo.fernandez',
    'martina.lopez',
    'diego.martinez',
    'sofia.sanchez',
    'alba.perez',
  ],
  'ru-RU': [
    'ivan.petrov',
    'olga.ivanova',
    'dmitry.smirnov',
    'anna.kuznetsova',
    'sergey.popov',
    'elena.sokolova',
  ],
  'ja-JP': [
    'haruto.sato',
    'yui.suzuki',
    'sota.takahashi',
    'hina.tanaka',
    'ren.watanabe',
    'mei.ito',
  ],
};

export const LONG_USER_NAME = 'christopher.montgomery-smyth';
export const PROTECTED_ACCOUNT = 'svc_backup';

/**
 * What makes a file server busy, as real ones are: a Citrix farm server whose 30 users each hold
 * the shared ledger open over one SMB client (ending that client's sessions cuts off 30 people),
 * and staff with scanned documents open, until the open files reach the blueprint's count.
 */
export const BUSY_FILE_SERVER = {
  farmClient: 'CTX-FARM-01',
  farmUsers: 30,
  sharedFile: 'D:\\Shares\\Finance\\Ledger 2026.xlsx',
  staffFilesEach: 25,
  scanPath: (n: number) =>
    `D:\\Shares\\Archive\\Scans\\2026\\Scan ${String(n).padStart(6, '0')}.pdf`,
} as const;

export const SHARE_PATHS: readonly string[] = [
  'D:\\Shares\\Finance\\Q3 Report.xlsx',
  'D:\\Shares\\Finance\\Budget 2027.xlsx',
  'D:\\Shares\\HR\\Onboarding\\Checklist.docx',
  'D:\\Shares\\Projects\\Apollo\\Plan.mpp',
  'D:\\Shares\\Projects\\Apollo\\Risks & Issues.xlsx',
  'D:\\Shares\\Engineering\\Specs\\api-v2.docx',
  "D:\\Shares\\Marketing\\O'Brien Campaign.pptx",
  'D:\\Shares\\Public\\Kantine Speiseplan KW48.pdf',
];
