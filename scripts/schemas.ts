// `npm run schemas`: writes the JSON Schemas in `events/` from the zod schemas the functions parse
// with, so what producers are told and what is accepted cannot drift (a test compares them).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { sessionIdleEventSchema } from '../lib/idle/schema.js';
import { actionStatusEventSchema } from '../lib/outcomes/event.js';

const SCHEMA_BASE = 'https://session-janitor.dev/schemas/';

/**
 * The published JSON Schemas of the events session-janitor accepts (`Session Idle`) and publishes
 * (`Action Status-change`), by file name in `events/`.
 */
export function eventJsonSchemas(): Record<string, Record<string, unknown>> {
  const published = (file: string, schema: z.ZodType) => {
    const { $schema, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12' });
    return { [file]: { $schema, $id: `${SCHEMA_BASE}${file}`, ...rest } };
  };
  return {
    ...published('session-idle.schema.json', sessionIdleEventSchema),
    ...published('action-status-change.schema.json', actionStatusEventSchema),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [file, schema] of Object.entries(eventJsonSchemas())) {
    const path = fileURLToPath(new URL(`../events/${file}`, import.meta.url));
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    // In the repository's own format, so that regenerating an unchanged schema changes nothing.
    execFileSync('npx', ['biome', 'format', '--write', path], { stdio: 'ignore' });
    console.log(`wrote events/${file}`);
  }
}
