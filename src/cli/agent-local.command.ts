import * as os from 'node:os';
import * as path from 'node:path';
import type { PendingUpdateView, UserRequestBody, WaitingFor } from '../agent/core/local-user.js';
import { loadCredential } from '../agent/core/credential.js';
import { Outbox } from '../agent/core/outbox.js';
import { FileStore } from '../agent/host/fs-store.js';
import { readServerState } from '../agent/server-state.js';
import {
  approvalName,
  PENDING_FILE,
  POSTPONE_RESTART_NAME,
  postponeName,
  readPendingView,
  readRequests,
  writeRequest,
} from '../agent/host/local-user-files.js';
import { formatDuration, parseDuration } from '../domain/rollout/duration.js';
import { messageOf } from './agent-log.js';
import { CliError, formatFields, formatTime, print, printJson, printTable } from './output.js';

/** The local commands for the person at the computer: what waits, approve it, postpone the restart. */

/** `--state-dir`, else $RINGMASTER_STATE_DIR (the agent package sets it: /var/lib/ringmaster). */
export function requireStateDir(options: { stateDir?: string }): string {
  const stateDir = options.stateDir ?? process.env.RINGMASTER_STATE_DIR;
  if (!stateDir) {
    throw new CliError(
      'give --state-dir (or set RINGMASTER_STATE_DIR): where the agent keeps its files',
      2,
    );
  }
  return stateDir;
}

export interface LocalOptions {
  stateDir?: string;
  json?: boolean;
  for?: string;
  /** `postpone` / `postpone-restart`: take the postponement back instead. */
  takeBack?: boolean;
}

const waitingText: Record<WaitingFor, string> = {
  'download-approval': 'approval to download',
  'install-approval': 'approval to install',
  'scheduled-install': 'its scheduled time',
};

export async function showPending(options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const view = await readLocalView(stateDir);
  const requests = await readRequests(stateDir);
  // Reports the server refused: set aside by the agent, worth a person's look.
  const quarantined = await new Outbox(new FileStore(stateDir)).quarantined();
  if (options.json) {
    printJson({
      updatedAt: view?.updatedAt ?? null,
      computerId: view?.computerId ?? null,
      updates: view?.updates ?? [],
      restart: view?.restart ?? null,
      requests,
      quarantined,
    });
    return;
  }
  for (const q of quarantined) {
    print(
      `report ${q.report.seq} (${q.report.updateId}: ${q.report.state}) refused by the server (HTTP ${q.status}): ${q.message}`,
    );
  }
  if (!view) {
    print(`nothing published yet: the agent has not finished a cycle with --state-dir ${stateDir}`);
    return;
  }
  print(`as of ${formatTime(view.updatedAt)}`);
  printTable(
    ['UPDATE', 'WAITING FOR', 'SINCE', 'INSTALL AT', 'DEADLINE', 'TITLE'],
    view.updates.map((u) => [
      u.updateId,
      u.postponedUntil
        ? `${waitingText[u.waitingFor]} (postponed until ${formatTime(u.postponedUntil)})`
        : u.approved
          ? `${waitingText[u.waitingFor]} (approved)`
          : waitingText[u.waitingFor],
      formatTime(u.since),
      formatTime(u.installAt),
      formatTime(u.deadline),
      u.title,
    ]),
    'no updates waiting',
  );
  const restart = view.restart;
  if (restart) {
    const how = restart.postponedUntil
      ? `postponed until ${formatTime(restart.postponedUntil)}`
      : restart.blockedByLoggedOnUser
        ? 'not automatic while a user is logged on'
        : restart.automatic
          ? 'the agent restarts the computer'
          : 'waiting for someone to restart the computer';
    print(`restart needed for ${restart.updates.join(', ')}: ${how}`);
  }
  for (const r of requests) print(`${requestText(r)}: waiting for the agent to pick it up`);
}

function requestText(r: UserRequestBody): string {
  switch (r.kind) {
    case 'approve':
      return `approval of the ${r.stage} of ${r.updateId}`;
    case 'postpone':
      return `postponement of ${r.updateId} until ${formatTime(r.until)}`;
    case 'postpone-restart':
      return `restart postponement until ${formatTime(r.until)}`;
    case 'take-back-postpone':
      return `taking back the postponement of ${r.updateId}`;
    case 'take-back-postpone-restart':
      return 'taking back the restart postponement';
  }
}

export async function approve(updateId: string, options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const item = await pendingUpdate(stateDir, updateId);
  const stage = item.waitingFor === 'download-approval' ? 'download' : 'install';
  const body = {
    kind: 'approve' as const,
    updateId,
    stage,
    requestedAt: new Date().toISOString(),
    by: userName(),
  } as const;
  const file = await writeRequest(stateDir, approvalName(updateId), body);
  if (options.json) {
    printJson({ ...body, file });
    return;
  }
  print(
    stage === 'download'
      ? `approved the download of ${updateId}; the agent asks again before installing it`
      : `approved the install of ${updateId}`,
  );
  print('a running agent acts on it within seconds; otherwise at its next run');
}

/** The view, and the pending update named (else a clear error). */
async function pendingUpdate(stateDir: string, updateId: string): Promise<PendingUpdateView> {
  const view = await readLocalView(stateDir);
  if (!view) {
    throw new CliError(
      `nothing is pending: ${path.join(stateDir, PENDING_FILE)} does not exist (is the agent running with this --state-dir?)`,
    );
  }
  const item = view.updates.find((u: PendingUpdateView) => u.updateId === updateId);
  if (!item) {
    const ids = view.updates.map((u) => u.updateId);
    throw new CliError(
      `${updateId} is not pending on this computer (${ids.length ? `pending: ${ids.join(', ')}` : 'nothing is pending'})`,
    );
  }
  return item;
}

function durationFor(options: LocalOptions): number {
  const seconds = parseDuration(options.for ?? '4h');
  if (seconds === null || seconds <= 0) {
    throw new CliError(`--for: not a duration: ${options.for} (try 30m, 4h, 1d)`, 2);
  }
  return seconds;
}

/**
 * Puts a pending install off (the agent tells the server `awaiting-user`, reason
 * `user-postponed`); a deadline that passes or an emergency installs it anyway.
 */
export async function postpone(updateId: string, options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  if (options.takeBack) {
    await takeBackPostpone(stateDir, updateId, options);
    return;
  }
  const seconds = durationFor(options);
  const item = await pendingUpdate(stateDir, updateId);
  const now = new Date();
  const body = {
    kind: 'postpone' as const,
    updateId,
    until: new Date(now.getTime() + seconds * 1000).toISOString(),
    requestedAt: now.toISOString(),
    by: userName(),
  };
  const file = await writeRequest(stateDir, postponeName(updateId), body);
  if (options.json) {
    printJson({ ...body, file });
    return;
  }
  print(
    `the install of ${updateId} is put off until ${formatTime(body.until)} (${formatDuration(seconds)})`,
  );
  if (item.deadline) print(`its deadline ${formatTime(item.deadline)} still installs it`);
}

/**
 * Takes a postponement back: the agent goes on with the install at its next cycle (as if
 * the postponement had ended). It replaces a postponement not yet picked up.
 */
async function takeBackPostpone(
  stateDir: string,
  updateId: string,
  options: LocalOptions,
): Promise<void> {
  const item = await pendingUpdate(stateDir, updateId);
  const waiting = (await readRequests(stateDir)).some(
    (r) => r.kind === 'postpone' && r.updateId === updateId,
  );
  if (!item.postponedUntil && !waiting) {
    throw new CliError(`the install of ${updateId} is not postponed`);
  }
  const body = {
    kind: 'take-back-postpone' as const,
    updateId,
    requestedAt: new Date().toISOString(),
    by: userName(),
  };
  const file = await writeRequest(stateDir, postponeName(updateId), body);
  if (options.json) {
    printJson({ ...body, file });
    return;
  }
  print(`the postponement of ${updateId} is taken back: the agent goes on with it`);
  print('a running agent acts on it within seconds; otherwise at its next run');
}

async function takeBackPostponeRestart(stateDir: string, options: LocalOptions): Promise<void> {
  const view = await readLocalView(stateDir);
  const waiting = (await readRequests(stateDir)).some((r) => r.kind === 'postpone-restart');
  if (!view?.restart?.postponedUntil && !waiting) {
    throw new CliError('the restart is not postponed');
  }
  const body = {
    kind: 'take-back-postpone-restart' as const,
    requestedAt: new Date().toISOString(),
    by: userName(),
  };
  const file = await writeRequest(stateDir, POSTPONE_RESTART_NAME, body);
  if (options.json) {
    printJson({ ...body, file });
    return;
  }
  print('the restart postponement is taken back: the agent may restart the computer when needed');
}

export async function postponeRestart(options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  if (options.takeBack) {
    await takeBackPostponeRestart(stateDir, options);
    return;
  }
  const seconds = durationFor(options);
  const now = new Date();
  const body = {
    kind: 'postpone-restart' as const,
    until: new Date(now.getTime() + seconds * 1000).toISOString(),
    requestedAt: now.toISOString(),
    by: userName(),
  };
  const file = await writeRequest(stateDir, POSTPONE_RESTART_NAME, body);
  const view = await readLocalView(stateDir);
  if (options.json) {
    printJson({ ...body, file, restartPending: view?.restart != null });
    return;
  }
  print(`no automatic restart before ${formatTime(body.until)} (${formatDuration(seconds)})`);
  if (!view?.restart) print('no restart is pending now; this holds for one that comes meanwhile');
}

/** For the person at the computer: is the agent enrolled, when did it last run, what waits. */
export async function showStatus(options: LocalOptions): Promise<void> {
  const stateDir = requireStateDir(options);
  const store = new FileStore(stateDir);
  const credential = await loadCredential(store).catch((error: unknown) => {
    throw new CliError(`cannot read the state dir ${stateDir}: ${messageOf(error)}`);
  });
  const view = await readLocalView(stateDir);
  const servers = await readServerState(store).catch(() => null);
  const outbox = new Outbox(store);
  const queued = (await outbox.pending()).length;
  const quarantined = (await outbox.quarantined()).length;
  const status = {
    stateDir,
    enrolled: credential !== null,
    computerId: credential?.computerId ?? null,
    lastCycleAt: view?.updatedAt ?? null,
    server: servers?.current ?? null,
    serverSince: servers?.since ?? null,
    lastFailover: servers?.switched ?? null,
    servers: servers?.servers ?? [],
    pushServer: servers?.push ?? null,
    reportsQueued: queued,
    reportsQuarantined: quarantined,
    updatesWaiting: view?.updates.length ?? 0,
    restartNeededFor: view?.restart?.updates ?? [],
  };
  if (options.json) {
    printJson(status);
    return;
  }
  print(
    formatFields([
      ['State dir', stateDir],
      [
        'Computer',
        status.computerId ?? 'not enrolled yet (it enrolls at its first run with a token)',
      ],
      ['Last cycle', status.lastCycleAt ? formatTime(status.lastCycleAt) : 'none yet'],
      ['Server', serverLine(servers)],
      ...(servers && servers.servers.length > 1
        ? ([['Servers', servers.servers.join(', ')]] as [string, string][])
        : []),
      [
        'Push channel',
        servers?.push ? `held on ${servers.push}` : 'not held (or the agent is not running)',
      ],
      [
        'Reports',
        `${queued} waiting to be sent` +
          (quarantined > 0 ? `, ${quarantined} refused by the server (see agent pending)` : ''),
      ],
      ['Updates waiting', String(status.updatesWaiting)],
      [
        'Restart',
        status.restartNeededFor.length > 0
          ? `needed for ${status.restartNeededFor.join(', ')}`
          : 'not needed',
      ],
    ]),
  );
}

/** The server in use, since when, and the failover that brought the agent to it. */
function serverLine(servers: Awaited<ReturnType<typeof readServerState>>): string {
  if (!servers) return 'not known yet (the agent writes it when it starts)';
  const since = servers.since ? ` since ${formatTime(servers.since)}` : '';
  const after = servers.switched
    ? `, moved from ${servers.switched.from} (${servers.switched.reason})`
    : '';
  return `${servers.current}${since}${after}`;
}

async function readLocalView(stateDir: string): ReturnType<typeof readPendingView> {
  try {
    return await readPendingView(stateDir);
  } catch (error) {
    throw new CliError(messageOf(error));
  }
}

function userName(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Logging
