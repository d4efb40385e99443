// Parser throughput on one core. The target (issue "Numbers"): at least 50,000 `quser` outputs of
// 10 sessions each per second. Prints one JSON line (the last line of stdout) for bench/run.ts.
import { performance } from 'node:perf_hooks';
import { parseNetSession } from '../lib/windows/net-session.js';
import { parseQuser } from '../lib/windows/quser.js';
import { parseQwinsta } from '../lib/windows/qwinsta.js';

const TARGET_QUSER_PER_SECOND = 50_000;
const SESSIONS_PER_OUTPUT = 10;

interface Layout {
  header: string;
  active: string;
  disc: string;
  none: string;
  date: (day: number, hour: number) => string;
}

const LAYOUTS: Layout[] = [
  {
    header: ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
    active: 'Active',
    disc: 'Disc',
    none: 'none',
    date: (d, h) => `11/${d}/2026 ${((h + 11) % 12) + 1}:07 ${h < 12 ? 'AM' : 'PM'}`,
  },
  {
    header: ' BENUTZERNAME          SITZUNGSNAME       ID  STATUS  LEERLAUF   ANMELDEZEIT',
    active: 'Aktiv',
    disc: 'Getr.',
    none: 'Kein',
    date: (d, h) => `${String(d).padStart(2, '0')}.11.2026 ${String(h).padStart(2, '0')}:07`,
  },
  {
    header: ' 用户名                会话名             ID  状态    空闲时间   登录时间',
    active: '运行中',
    disc: '断开',
    none: '无',
    date: (d, h) => `2026/11/${d} ${h}:07`,
  },
];

function quserOutput(seed: number): string {
  const layout = LAYOUTS[seed % LAYOUTS.length] as Layout;
  const lines = [layout.header];
  for (let i = 0; i < SESSIONS_PER_OUTPUT; i++) {
    const id = 2 + ((seed + i) % 40);
    const disconnected = (seed + i) % 3 === 0;
    const user = `user${seed % 97}.${i}`.padEnd(22);
    const session = (disconnected ? '' : `rdp-tcp#${id + 10}`).padEnd(19);
    const idle = [layout.none, '.', '7', '1:20', '2+03:04'][(seed + i) % 5] as string;
    const state = (disconnected ? layout.disc : layout.active).padEnd(8);
    lines.push(
      `${i === 0 ? '>' : ' '}${user}${session}${String(id).padStart(4)}  ${state}${idle.padStart(9)}  ${layout.date(1 + ((seed + i) % 28), (seed * 7 + i) % 24)}`
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

function qwinstaOutput(seed: number): string {
  const lines = [' SESSIONNAME       USERNAME                 ID  STATE   TYPE        DEVICE'];
  lines.push(' services                                    0  Disc');
  lines.push(' console                                     1  Conn');
  for (let i = 0; i < SESSIONS_PER_OUTPUT - 3; i++) {
    const id = 2 + i;
    lines.push(
      ` ${`rdp-tcp#${seed + i}`.padEnd(18)}${`user${i}`.padEnd(19)}${String(id).padStart(6)}  Active`
    );
  }
  lines.push(' rdp-tcp                                 65536  Listen');
  return lines.join('\r\n');
}

function netSessionOutput(seed: number): string {
  const lines = [
    'Computer               User name            Client Type       Opens Idle time',
    '',
    '-'.repeat(79),
  ];
  for (let i = 0; i < SESSIONS_PER_OUTPUT; i++) {
    lines.push(
      `${`\\\\10.0.${seed % 250}.${i + 1}`.padEnd(23)}${`user${i}`.padEnd(21)}${''.padEnd(18)}${String(i).padStart(5)} 00:0${i}:1${i}`
    );
  }
  lines.push('The command completed successfully.');
  return lines.join('\r\n');
}

function measure(
  name: string,
  inputs: readonly string[],
  parse: (text: string) => { rows: unknown[] }
) {
  let rows = 0;
  // Warm-up: let the JIT settle before timing.
  for (let i = 0; i < 20_000; i++) rows += parse(inputs[i % inputs.length] ?? '').rows.length;
  if (rows === 0) throw new Error(`${name}: parser returned no rows`);
  const minimumMs = process.env.BENCH_QUICK === '1' ? 300 : 1_000;
  let iterations = 0;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < minimumMs) {
    for (let i = 0; i < 5_000; i++) parse(inputs[(iterations + i) % inputs.length] ?? '');
    iterations += 5_000;
    elapsed = performance.now() - started;
  }
  const perSecond = Math.round((iterations / elapsed) * 1000);
  return {
    outputsPerSecond: perSecond,
    microsecondsPerOutput: Number(((elapsed * 1000) / iterations).toFixed(2)),
  };
}

const quserInputs = Array.from({ length: 256 }, (_, i) => quserOutput(i));
for (const input of quserInputs.slice(0, LAYOUTS.length)) {
  const result = parseQuser(input);
  if (result.rows.length !== SESSIONS_PER_OUTPUT) {
    throw new Error(
      `benchmark input parses to ${result.rows.length} rows: ${JSON.stringify(result.warnings)}`
    );
  }
}

const quser = measure('quser', quserInputs, parseQuser);
const qwinsta = measure(
  'qwinsta',
  Array.from({ length: 64 }, (_, i) => qwinstaOutput(i)),
  parseQwinsta
);
const netSession = measure(
  'net-session',
  Array.from({ length: 64 }, (_, i) => netSessionOutput(i)),
  parseNetSession
);

const figures = {
  sessionsPerOutput: SESSIONS_PER_OUTPUT,
  quser: {
    ...quser,
    target: TARGET_QUSER_PER_SECOND,
    meetsTarget: quser.outputsPerSecond >= TARGET_QUSER_PER_SECOND,
  },
  qwinsta,
  netSession,
  node: process.version,
};
// Exit 0 even below target: bench/run.ts drops the figures of a failed bench, and the figures
// (with `meetsTarget`) are what the report needs.
console.log(JSON.stringify(figures));
