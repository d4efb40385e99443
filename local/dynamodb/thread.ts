import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { LocalDynamo } from './server.js';

interface ThreadOptions {
  port?: number;
  path?: string;
}

/** What the thread is started with: only a thread started here serves dynalite. */
interface ThreadData {
  dynaliteThread: ThreadOptions;
}

type FromThread = { endpoint: string } | { error: string; code?: string };

/**
 * {@link startDynalite} in a worker thread of its own: the same server, answering over HTTP as
 * before, but its work (validation, expression parsing, the Level store) and its heap (every item
 * and index entry) are off the thread that runs the functions, the local SSM and the fleet. A
 * 10,000-host sweep keeps both cores busy instead of one, and the main thread's collections no
 * longer walk the table.
 */
export function startDynaliteThread(options: ThreadOptions = {}): Promise<LocalDynamo> {
  // A thread does not take the parent's loader hooks (nor `--import tsx`): it registers tsx's
  // before it loads this TypeScript file.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const self = JSON.stringify(import.meta.url);
  const entry = `import(${tsx}).then(({ register }) => { register(); return import(${self}); })`;
  const data: ThreadData = { dynaliteThread: options };
  const worker = new Worker(entry, { eval: true, workerData: data });
  return new Promise<LocalDynamo>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`dynalite thread exited ${code}`)));
    worker.once('message', (message: FromThread) => {
      worker.removeAllListeners('exit');
      if ('error' in message) {
        reject(Object.assign(new Error(message.error), { code: message.code }));
        return;
      }
      resolve({
        endpoint: message.endpoint,
        close: () =>
          new Promise<void>((done) => {
            worker.once('exit', () => done());
            worker.postMessage('close');
          }),
      });
    });
  });
}

// Only in a thread `startDynaliteThread` started: this module may be loaded in other threads too.
const started = isMainThread
  ? undefined
  : (workerData as Partial<ThreadData> | null)?.dynaliteThread;
if (started !== undefined && parentPort !== null) {
  const port = parentPort;
  // Loaded here, in the thread, only: the parent need not load dynalite at all.
  const { startDynalite } = await import('./server.js');
  try {
    const dynamo = await startDynalite(started);
    port.on('message', (message: unknown) => {
      if (message !== 'close') return;
      void dynamo.close().finally(() => port.close());
    });
    port.postMessage({ endpoint: dynamo.endpoint } satisfies FromThread);
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    port.postMessage({ error: String(message ?? error), code } satisfies FromThread);
    port.close();
  }
}
