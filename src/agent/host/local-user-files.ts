import { randomBytes } from 'node:crypto';
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import {
  pendingView,
  userRequestBody,
  type LocalUserChannel,
  type PendingView,
  type UserRequest,
  type UserRequestBody,
} from '../core/local-user.js';
import { isNotFound } from './fs-store.js';

/** What waits for the person at the computer, rewritten by the agent every cycle. */
export const PENDING_FILE = 'pending.json';
/** Where `ringmaster agent install` and `postpone-restart` leave their requests. */
export const REQUESTS_DIR = 'requests';

/**
 * The local user protocol on the real host, through files in the state dir (so it works
 * on every platform and with the agent running as a service): the agent writes
 * `pending.json`; the local commands write `requests/<name>.json` (atomically: a
 * temporary file renamed into place); the agent applies and deletes them.
 */
export class FsLocalUser implements LocalUserChannel {
  constructor(private readonly stateDir: string) {}

  get requestsDir(): string {
    return path.join(this.stateDir, REQUESTS_DIR);
  }

  async requests(): Promise<UserRequest[]> {
    return await readRequests(this.stateDir);
  }

  async consume(ids: readonly string[]): Promise<void> {
    for (const id of ids) await fs.rm(path.join(this.requestsDir, checkName(id)), { force: true });
  }

  async publish(view: PendingView): Promise<void> {
    await writeFileAtomic(path.join(this.stateDir, PENDING_FILE), JSON.stringify(view, null, 2));
  }

  /**
   * Calls `onRequest` soon after a new request file appears: fs.watch on the requests
   * dir, and polling (every `pollMs` when watching is not possible, every 5 s besides,
   * in case events are lost). Returns the function that stops watching.
   */
  watch(onRequest: () => void, pollMs = 1000): () => void {
    let seen = new Set<string>();
    let closed = false;
    let checking = false;
    let again = false;
    const check = async (): Promise<void> => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          const names = await listRequestFiles(this.requestsDir);
          const fresh = names.some((n) => !seen.has(n));
          seen = new Set(names);
          if (fresh && !closed) onRequest();
        } while (again && !closed);
      } catch {
        // The dir went away or is unreadable for a moment: the next tick tries again.
      } finally {
        checking = false;
      }
    };
    const poll = (ms: number): NodeJS.Timeout => {
      const timer = setInterval(() => void check(), ms);
      timer.unref();
      return timer;
    };

    let watcher: FSWatcher | null = null;
    let timer: NodeJS.Timeout;
    try {
      mkdirSync(this.requestsDir, { recursive: true, mode: 0o700 });
      watcher = watch(this.requestsDir, { persistent: false }, () => void check());
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
        clearInterval(timer);
        if (!closed) timer = poll(pollMs);
      });
      timer = poll(5000);
    } catch {
      watcher = null;
      timer = poll(pollMs);
    }
    void check();
    return () => {
      closed = true;
      watcher?.close();
      clearInterval(timer);
    };
  }
}

/** The published view, or null when the agent has not written one (yet). */
export async function readPendingView(stateDir: string): Promise<PendingView | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(stateDir, PENDING_FILE), 'utf8');
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
  const parsed = pendingView.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${PENDING_FILE} is damaged: ${parsed.error.message}`);
  return parsed.data;
}

/** Requests waiting for the agent, oldest first. Unreadable files are deleted. */
export async function readRequests(stateDir: string): Promise<UserRequest[]> {
  const dir = path.join(stateDir, REQUESTS_DIR);
  const requests: UserRequest[] = [];
  for (const name of await listRequestFiles(dir)) {
    const file = path.join(dir, name);
    let body: UserRequestBody;
    try {
      const parsed = userRequestBody.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
      if (!parsed.success) throw new Error(parsed.error.message);
      body = parsed.data;
    } catch (error) {
      if (isNotFound(error)) continue; // taken meanwhile
      await fs.rm(file, { force: true });
      continue;
    }
    requests.push({ ...body, id: name });
  }
  return requests.sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}

/** The file name of the approval of one update. */
export function approvalName(updateId: string): string {
  return `approve-${updateId}.json`;
}

export function postponeName(updateId: string): string {
  return `postpone-${updateId}.json`;
}

export const POSTPONE_RESTART_NAME = 'postpone-restart.json';

/** Leaves a request for the agent, atomically; returns its path. */
export async function writeRequest(
  stateDir: string,
  name: string,
  body: UserRequestBody,
): Promise<string> {
  const dir = path.join(stateDir, REQUESTS_DIR);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, checkName(name));
  await writeFileAtomic(file, JSON.stringify(body, null, 2));
  return file;
}

async function listRequestFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}

function checkName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/.test(name))
    throw new Error(`bad request name: ${name}`);
  return name;
}
