import { renderTable } from './cli/table.js';
import { OptionsError, parseRuntimeOptions, RUNTIME_USAGE } from './runtime/options.js';
import { StartupError, startRuntime } from './runtime/runtime.js';

/** `npm start`: session-janitor on this machine, until Ctrl-C or SIGTERM. */
async function main(): Promise<number> {
  let options: ReturnType<typeof parseRuntimeOptions>;
  try {
    options = parseRuntimeOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof OptionsError) {
      console.error(`session-janitor: ${error.message} (see --help)`);
      return 1;
    }
    throw error;
  }
  if (options === 'help') {
    console.log(RUNTIME_USAGE);
    return 0;
  }

  let runtime: Awaited<ReturnType<typeof startRuntime>>;
  try {
    runtime = await startRuntime({ ...options, log: (line) => console.log(line) });
  } catch (error) {
    if (error instanceof StartupError) {
      console.error(`session-janitor: ${error.message}`);
      return 1;
    }
    throw error;
  }

  const instances = runtime.fleet.instances();
  const managedKey = 'session-janitor:managed';
  const fleetTable = renderTable(
    ['HOST', 'INSTANCE', 'LOCALE', 'ROLE', 'GROUP', 'SSM', 'MANAGED'],
    instances.map((i) => [
      i.computerName,
      i.instanceId,
      i.locale,
      i.role,
      i.tags['session-janitor:policy-group'] ?? 'default',
      i.pingStatus,
      i.tags[managedKey] === 'true' ? 'yes' : 'no',
    ])
  );
  console.log(`session-janitor is running on this machine (simulated fleet of ${instances.length} hosts, seed ${options.seed})
  API        ${runtime.apiUrl}
  console    ${runtime.apiUrl}/   (sign in with the token in ${runtime.localFile})
  DynamoDB   ${runtime.dynamodbEndpoint}   (dynalite, ${options.inMemory ? 'in memory' : `data in ${options.dataDir}`})
  SSM        ${runtime.ssmEndpoint}
  events     ${runtime.eventsEndpoint}   (EventBridge PutEvents; aws events put-events --endpoint-url …)
  token      ${runtime.localFile}   (every scope; the janitor CLI reads it)
  sweep      every ${options.sweepEveryMs / 1000}s; ${options.timeScale} simulated minute(s) pass per second

${fleetTable}

Try: npx janitor sessions ${instances[0]?.instanceId ?? 'i-…'}   |   npx janitor actions --host ${instances[0]?.instanceId ?? 'i-…'}   |   npx janitor --help
Ctrl-C stops.
`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.log('stopping now');
        process.exit(130);
      }
      stopping = true;
      console.log(`${signal}: finishing dispatched actions, then stopping…`);
      void runtime.stop().then(resolve);
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // `npm start` forwards SIGINT and SIGTERM (the script execs node, so no shell stands between);
    // should npm itself die without forwarding, this process is orphaned: stop as on SIGTERM
    // rather than hold the ports and the data dir for nobody.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent && !stopping) stop('parent process gone');
    }, 1000).unref();
  });
  console.log('stopped');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`session-janitor: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
);
