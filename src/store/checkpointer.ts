import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one checkpoint did: frames in the WAL, and how many of them are in the database. */
export type CheckpointResult = { log: number; checkpointed: number };

export type Checkpointer = {
  /** The last checkpoint's result (null: none yet). */
  last(): CheckpointResult | null;
  /** Stops after a last checkpoint; resolves once the thread is gone. */
  stop(): Promise<void>;
};

/**
 * The worker: its own connection to the database file, a PASSIVE checkpoint every
 * `periodMs` (it never waits for the writer, nor makes it wait), each result posted back.
 * Plain CommonJS, evaluated: it needs no file of its own next to the compiled code.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const checkpoint = () => {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
};
const timer = setInterval(checkpoint, workerData.periodMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints of a SQLite file off the event loop. SQLite checkpoints in the
 * connection whose commit takes the WAL past 1,000 pages: the pages are copied and both
 * files synced right there, which on this synchronous driver holds the event loop (and
 * every request) for as long as the disk takes, tens to hundreds of milliseconds, about
 * once a second under a storm of check-ins. The caller turns its own connection's
 * automatic checkpoints off (`wal_autocheckpoint = 0`) and this thread does them; should
 * the thread fail, `onFailure` is called so the caller turns them back on.
 */
export function startCheckpointer(
  file: string,
  onFailure: (error: unknown) => void,
  periodMs = 500,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, driver, periodMs },
  });
  worker.unref();
  let last: CheckpointResult | null = null;
  let failed = false;
  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    onFailure(error);
  };
  worker.on('message', (message: CheckpointResult | { error: string }) => {
    if ('error' in message) fail(new Error(message.error));
    else last = message;
  });
  worker.on('error', fail);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  void exited.then(() => {
    if (!stopping) fail(new Error('the checkpoint thread exited'));
  });
  return {
    last: () => last,
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      await exited;
    },
  };
}
