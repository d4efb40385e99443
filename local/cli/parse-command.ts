import { parseArgs } from 'node:util';
import { orderFromPattern } from '../../lib/windows/logon-time.js';
import {
  detectOutputKind,
  EXPECTED,
  isOutputKind,
  OUTPUT_KINDS,
  ROW_NOUN,
  readOutput,
} from '../../lib/windows/output-kind.js';
import type { CultureHint } from '../../lib/windows/types.js';
import type { CliCommand } from './main.js';

const USAGE = `Usage: janitor parse <${OUTPUT_KINDS.join('|')}> [options] < output.txt

Reads one Windows command's output on standard input and prints
{"kind", "sessions" | "files", "error", "warnings"} as JSON.

Options:
  --culture NAME         the host's culture, e.g. de-DE
  --date-pattern TEXT    the host's .NET ShortDatePattern, e.g. dd.MM.yyyy
  --time-pattern TEXT    the host's .NET ShortTimePattern, e.g. HH:mm
  -h, --help             this help

Exit codes: 0 parsed (a Windows error report is data, not a failure),
2 bad arguments or input that is not output of the named command.
`;

const USAGE_EXIT = 2;
const CULTURE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const TIME_PATTERN = /^[\p{L}\p{N}\p{P}\p{Zs}]{0,32}$/u;

export const parseCommand: CliCommand = {
  summary: 'parse quser, qwinsta, net session/file, openfiles or SmbShare JSON output from stdin',
  usage: USAGE,
  async run(argv, io) {
    let parsed: ReturnType<typeof parseArgsOf>;
    try {
      parsed = parseArgsOf(argv);
    } catch (error) {
      io.err(`janitor parse: ${(error as Error).message}\n`);
      return USAGE_EXIT;
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const [kind, ...extra] = positionals;
    if (kind === undefined || !isOutputKind(kind) || extra.length > 0) {
      io.err(`janitor parse: expected one of ${OUTPUT_KINDS.join(', ')}\n${USAGE}`);
      return USAGE_EXIT;
    }
    const hint: CultureHint = {};
    if (values.culture !== undefined) {
      if (!CULTURE.test(values.culture)) {
        io.err(`janitor parse: --culture must look like de-DE, got "${values.culture}"\n`);
        return USAGE_EXIT;
      }
      hint.culture = values.culture;
    }
    if (values['date-pattern'] !== undefined) {
      if (orderFromPattern(values['date-pattern']) === null) {
        io.err(
          'janitor parse: --date-pattern needs d, M and y in a day/month/year order, e.g. dd.MM.yyyy\n'
        );
        return USAGE_EXIT;
      }
      hint.shortDatePattern = values['date-pattern'];
    }
    if (values['time-pattern'] !== undefined) {
      const timePattern = values['time-pattern'];
      if (!TIME_PATTERN.test(timePattern) || !/[Hh]/.test(timePattern)) {
        io.err('janitor parse: --time-pattern takes .NET time letters, e.g. HH:mm or h:mm tt\n');
        return USAGE_EXIT;
      }
      hint.shortTimePattern = timePattern;
    }
    const text = await io.readInput();
    const result = readOutput(kind, text, hint);
    if ('kind' in result) {
      const other = detectOutputKind(text, hint);
      const seen = other ? `; the input looks like ${other} output` : '';
      io.err(`janitor parse: input is not ${kind} output (expected ${EXPECTED[kind]})${seen}\n`);
      return USAGE_EXIT;
    }
    const body = {
      kind,
      [ROW_NOUN[kind]]: result.rows,
      error: result.error,
      warnings: result.warnings,
    };
    io.out(`${JSON.stringify(body, null, 2)}\n`);
    return 0;
  },
};

function parseArgsOf(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      culture: { type: 'string' },
      'date-pattern': { type: 'string' },
      'time-pattern': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
