import { CliError } from './api-client.js';
import { eventsCommand } from './events.js';
import { fleetCommands } from './fleet.js';
import { operatorCommands } from './operator.js';
import { parseCommand } from './parse-command.js';

/** What a command may touch: output streams, the environment and (for filters) standard input. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** All of standard input as UTF-8 text. */
  readInput(): Promise<string>;
}

/** A CLI command: `run` gets the arguments after the command name and returns the exit code. */
export interface CliCommand {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Every `janitor` command. A new command is one file exporting a {@link CliCommand} plus one entry here. */
export const commands: Record<string, CliCommand> = {
  parse: parseCommand,
  ...operatorCommands,
  ...fleetCommands,
  events: eventsCommand,
};

const USAGE_EXIT = 2;

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`
  );
  return `Usage: janitor <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "janitor <command> --help" for a command's options.\n`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(help());
    return USAGE_EXIT;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(`janitor: unknown command "${name}"; run "janitor --help" for the list\n`);
    return USAGE_EXIT;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // A command's refusal (bad usage, an API error) is a message and an exit code, not a crash.
    if (!(error instanceof CliError)) throw error;
    io.err(`janitor ${name}: ${error.message}\n`);
    return error.exitCode;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the CLI against this process's arguments and streams. */
export async function runProcess(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    readInput: readStdin,
  });
}
