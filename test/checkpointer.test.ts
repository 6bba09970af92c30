import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../src/store/checkpointer.js';
import { openStore, type Store } from '../src/store/db.js';
import { waitFor } from './support/wait.js';

describe('WAL checkpoints of a SQLite file in a thread of their own', () => {
  const dirs: string[] = [];
  let store: Store | null = null;
  const scratch = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringmaster-checkpoint-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await store?.close();
    store = null;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("never in a commit of the store's connection, and all of the WAL by the thread", async () => {
    store = openStore({
      url: path.join(scratch(), 'ringmaster.db'),
      checkpointInBackground: true,
    });
    const { rows } = await sql<{
      wal_autocheckpoint: number;
    }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
    await sql`create table filler (body blob)`.execute(store.db);
    // About 1,500 pages of 4 KiB: past the 1,000 pages SQLite would checkpoint at itself.
    for (let k = 0; k < 150; k++) {
      await sql`insert into filler values (randomblob(40000))`.execute(store.db);
    }
    const checkpointer = store.checkpointer!;
    const done = await waitFor(
      'a checkpoint of the whole WAL',
      () => {
        const last = checkpointer.last();
        return last !== null && last.log > 1000 && last.checkpointed === last.log && last;
      },
      30_000,
      20,
    );
    expect(done.checkpointed).toBeGreaterThan(1000);
  });

  it('tells when the thread fails, so the connection checkpoints again', async () => {
    const failures: unknown[] = [];
    const checkpointer = startCheckpointer(
      path.join(scratch(), 'no-such-dir', 'ringmaster.db'),
      (error) => failures.push(error),
    );
    await waitFor('the failure', () => failures.length > 0, 30_000, 20);
    await checkpointer.stop();
    expect(failures).toHaveLength(1);
  });

  it('one-off commands open no thread', () => {
    store = openStore({ url: path.join(scratch(), 'ringmaster.db') });
    expect(store.checkpointer).toBeUndefined();
  });
});
