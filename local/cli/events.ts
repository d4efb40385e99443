import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ACTION_STATUS_DETAIL_TYPE } from '../../lib/contract.js';
import { CliError, EXIT_CODES } from './api-client.js';
import type { CliCommand } from './main.js';

const USAGE = `Usage: janitor events --follow [--count N] [--json] [--config FILE]

Prints the local runtime's events as they are put on its bus: every action's
Action Status-change (time, status, operation, host, user, ticket) and the Session Idle
events of its hosts. Reads eventsEndpoint from .janitor/local.json (or JANITOR_EVENTS_URL).

  --follow        keep printing until the runtime stops or Ctrl-C (required: the bus keeps no history)
  --count N       stop after N events
  --json          one event (the EventBridge envelope) per line, as JSON
  --config FILE   the runtime's local.json (default: JANITOR_CONFIG, else .janitor/local.json)
`;

async function eventsUrl(config: string | undefined, env: Record<string, string | undefined>) {
  if (env.JANITOR_EVENTS_URL) return env.JANITOR_EVENTS_URL;
  const path = config ?? env.JANITOR_CONFIG ?? '.janitor/local.json';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`no ${path}: start the local runtime with "npm start"`, EXIT_CODES.usage);
  }
  const { eventsEndpoint } = JSON.parse(text) as { eventsEndpoint?: unknown };
  if (typeof eventsEndpoint !== 'string') {
    throw new CliError(`${path} has no eventsEndpoint`, EXIT_CODES.usage);
  }
  return eventsEndpoint;
}

interface Envelope {
  time?: string;
  source?: string;
  'detail-type'?: string;
  detail?: Record<string, unknown>;
}

/** One readable line per event. */
export function eventLine(event: Envelope): string {
  const d = event.detail ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '-');
  if (event['detail-type'] === ACTION_STATUS_DETAIL_TYPE) {
    const trigger = (d.trigger ?? {}) as Record<string, unknown>;
    const result = (d.result ?? {}) as Record<string, unknown>;
    const code = typeof result.errorCode === 'string' ? ` (${result.errorCode})` : '';
    const why =
      trigger.kind === 'api'
        ? `ticket ${text(trigger.ticketId)} by ${text(trigger.caller)}`
        : text(trigger.kind);
    return `${text(event.time)}  ${text(d.status)}${code}  ${text(d.operation)}  ${text(d.instanceId)}  ${text(d.targetUser)}  ${why}  ${text(d.actionId)}`;
  }
  return `${text(event.time)}  ${text(event['detail-type'])}  ${text(event.source)}  ${JSON.stringify(d)}`;
}

export const eventsCommand: CliCommand = {
  summary: "follow the local runtime's events (action outcomes, Session Idle) as they come",
  usage: USAGE,
  async run(argv, io) {
    let values: {
      follow?: boolean;
      count?: string;
      json?: boolean;
      config?: string;
      help?: boolean;
    };
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        options: {
          follow: { type: 'boolean' },
          count: { type: 'string' },
          json: { type: 'boolean' },
          config: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      throw new CliError((error as Error).message, EXIT_CODES.usage);
    }
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (!values.follow) throw new CliError(`--follow is required\n${USAGE}`, EXIT_CODES.usage);
    const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
    if (!Number.isInteger(count) && count !== Number.POSITIVE_INFINITY) {
      throw new CliError(`--count must be a whole number, got "${values.count}"`, EXIT_CODES.usage);
    }
    if (count < 1) throw new CliError('--count must be at least 1', EXIT_CODES.usage);
    const url = await eventsUrl(values.config, io.env);
    const abort = new AbortController();
    let response: Response;
    try {
      response = await fetch(`${url}/events`, { signal: abort.signal });
    } catch (error) {
      throw new CliError(`cannot reach ${url}: ${(error as Error).message}`, EXIT_CODES.usage);
    }
    if (!response.ok || response.body === null) {
      throw new CliError(`${url}/events answered ${response.status}`, EXIT_CODES.usage);
    }
    let seen = 0;
    let buffered = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
          if (line.trim() === '') continue;
          io.out(`${values.json ? line : eventLine(JSON.parse(line) as Envelope)}\n`);
          if (++seen >= count) {
            abort.abort();
            return 0;
          }
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
    return 0;
  },
};
