export class BenchArgsError extends Error {}

export interface BenchArgs {
  json: boolean;
  quick: boolean;
  /** Benchmarks whose file name contains one of these; none: every benchmark. */
  names: string[];
}

/** Flags and names in any order; an unknown flag is a usage error, not a name filter. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { json: false, quick: false, names: [] };
  for (const arg of argv) {
    if (arg === '--json') args.json = true;
    else if (arg === '--quick') args.quick = true;
    else if (arg.startsWith('-')) {
      throw new BenchArgsError(`unknown option ${arg} (usage: [--json] [--quick] [name …])`);
    } else args.names.push(arg);
  }
  return args;
}
