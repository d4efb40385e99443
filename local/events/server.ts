import type { ServerResponse } from 'node:http';
import { startAwsJsonServer } from '../aws-json/server.js';
import type { AnyEventBridgeEvent } from '../runtime/event-bus.js';
import { MAX_TOTAL_ENTRY_BYTES, type PutEventsContext, putEvents } from './put-events.js';

export interface LocalEvents {
  endpoint: string;
  close(): Promise<void>;
}

export interface LocalEventsOptions extends Omit<PutEventsContext, 'deliver'> {
  /** Every event accepted, with the bus it was put on. */
  deliver: (event: AnyEventBridgeEvent, bus: string) => void;
  /** `GET /events`: where a follower subscribes (NDJSON, one event a line, as they come). */
  follow?: (write: (event: AnyEventBridgeEvent) => void) => () => void;
  port?: number;
}

/**
 * The local EventBridge endpoint: `PutEvents` over AWS JSON 1.1 (`AWSEvents.PutEvents`), so
 * `aws events put-events --endpoint-url …` and `EventBridgeClient` put events on the runtime's bus.
 * `GET /events` streams the bus's events for `janitor events --follow`.
 */
export async function startLocalEvents(options: LocalEventsOptions): Promise<LocalEvents> {
  const { follow } = options;
  const followers = new Set<ServerResponse>();
  const server = await startAwsJsonServer({
    targetPrefix: 'AWSEvents.',
    operations: { PutEvents: (input) => putEvents(options, input) },
    // Ten entries of 256 KB of UTF-8 each, in JSON with escapes, cannot reach this.
    maxBodyBytes: 8 * MAX_TOTAL_ENTRY_BYTES,
    port: options.port,
    other: (request, response) => {
      if (follow === undefined || request.method !== 'GET' || request.url !== '/events') {
        return false;
      }
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.flushHeaders();
      followers.add(response);
      const stop = follow((event) => response.write(`${JSON.stringify(event)}\n`));
      response.on('close', () => {
        stop();
        followers.delete(response);
      });
      return true;
    },
  });
  return {
    endpoint: server.endpoint,
    close: () => {
      for (const response of followers) response.end();
      return server.close();
    },
  };
}
