import { z } from 'zod';
import { clientPolicies } from '../../contracts/plan.js';
import type { AgentMemory, PendingItem } from './memory.js';

/**
 * The person at the computer, without a desktop UI: the agent publishes what waits for
 * them (`pending.json` on the real host) and takes their requests (approve an update's
 * download or install, postpone it or an automatic restart, take a postponement back). The real host does it with files
 * in the state dir (`host/local-user-files.ts`); the simulator may do it in memory.
 */
export interface LocalUserChannel {
  /** Requests not handled yet, oldest first. */
  requests(): Promise<UserRequest[]>;
  /** Removes handled requests (applied or ignored). */
  consume(ids: readonly string[]): Promise<void>;
  /** Publishes what waits for the person at the computer; replaces the last view. */
  publish(view: PendingView): Promise<void>;
}

const iso = z.iso.datetime({ offset: true });

export const approveRequest = z.object({
  kind: z.literal('approve'),
  updateId: z.string().min(1),
  /** What the person approved: the download (notify) or the install. */
  stage: z.enum(['download', 'install']),
  requestedAt: iso,
  by: z.string().nullable().default(null),
});

export const postponeRestartRequest = z.object({
  kind: z.literal('postpone-restart'),
  /** No automatic restart before then. */
  until: iso,
  requestedAt: iso,
  by: z.string().nullable().default(null),
});

/** The person puts a pending install off until a time (a deadline or an emergency still wins). */
export const postponeRequest = z.object({
  kind: z.literal('postpone'),
  updateId: z.string().min(1),
  until: iso,
  requestedAt: iso,
  by: z.string().nullable().default(null),
});

/** The person takes their postponement of an install back: the agent goes on at once. */
export const takeBackPostponeRequest = z.object({
  kind: z.literal('take-back-postpone'),
  updateId: z.string().min(1),
  requestedAt: iso,
  by: z.string().nullable().default(null),
});

/** The person takes their restart postponement back: an automatic restart may follow. */
export const takeBackPostponeRestartRequest = z.object({
  kind: z.literal('take-back-postpone-restart'),
  requestedAt: iso,
  by: z.string().nullable().default(null),
});

export const userRequestBody = z.discriminatedUnion('kind', [
  approveRequest,
  postponeRestartRequest,
  postponeRequest,
  takeBackPostponeRequest,
  takeBackPostponeRestartRequest,
]);
export type UserRequestBody = z.infer<typeof userRequestBody>;
/** A request with the id its channel knows it by (the file name on the real host). */
export type UserRequest = UserRequestBody & { id: string };

export const waitingFor = ['download-approval', 'install-approval', 'scheduled-install'] as const;
export type WaitingFor = (typeof waitingFor)[number];

export const pendingUpdateView = z.object({
  updateId: z.string(),
  title: z.string(),
  deploymentId: z.string(),
  policy: z.enum(clientPolicies),
  waitingFor: z.enum(waitingFor),
  /** Approved by a local admin; the agent acts on it at its next cycle. */
  approved: z.boolean(),
  /** The person put the install off until then (absent from an older agent's file). */
  postponedUntil: iso.nullable().default(null),
  since: iso,
  installAt: iso.nullable(),
  deadline: iso.nullable(),
});
export type PendingUpdateView = z.infer<typeof pendingUpdateView>;

export const pendingRestartView = z.object({
  /** The updates that finish only after a restart. */
  updates: z.array(z.string()),
  /** The agent restarts the computer itself (it has a reboot command). */
  automatic: z.boolean(),
  postponedUntil: iso.nullable(),
  /** "No automatic restart while a user is logged on" holds it back. */
  blockedByLoggedOnUser: z.boolean(),
});
export type PendingRestartView = z.infer<typeof pendingRestartView>;

/** `pending.json`: what waits for the person at the computer. */
export const pendingView = z.object({
  updatedAt: iso,
  computerId: z.string().nullable(),
  updates: z.array(pendingUpdateView),
  restart: pendingRestartView.nullable(),
});
export type PendingView = z.infer<typeof pendingView>;

/** Until when the person put the install off, if that is still ahead of `now` (null: any time). */
export function postponedUntil(item: PendingItem, now: Date | null): string | null {
  const until = item.postponedUntil ?? null;
  if (until === null || (now !== null && Date.parse(until) <= now.getTime())) return null;
  return until;
}

export function waitingForOf(item: PendingItem): WaitingFor {
  if (item.stage === 'download') return 'download-approval';
  return item.policy === 'scheduled' ? 'scheduled-install' : 'install-approval';
}

export function pendingUpdates(memory: AgentMemory): PendingUpdateView[] {
  return Object.entries(memory.pending)
    .map(([updateId, item]) => ({
      updateId,
      title: item.title,
      deploymentId: item.deploymentId,
      policy: item.policy,
      waitingFor: waitingForOf(item),
      approved: item.approved,
      postponedUntil: postponedUntil(item, null),
      since: item.since,
      installAt: item.installAt,
      deadline: item.deadline,
    }))
    .sort((a, b) => a.updateId.localeCompare(b.updateId));
}

export interface RequestOutcome {
  request: UserRequest;
  applied: boolean;
  /** Why it was ignored, or what it did. */
  note: string;
}

/**
 * Applies the person's requests to the memory (pure apart from mutating `memory`).
 * An approval counts only for the step it was given for: approving a download does not
 * approve the install that follows it.
 */
export function applyUserRequests(
  memory: AgentMemory,
  requests: readonly UserRequest[],
  now: Date,
): RequestOutcome[] {
  return requests.map((request) => {
    switch (request.kind) {
      case 'approve': {
        const item = memory.pending[request.updateId];
        if (!item) {
          return { request, applied: false, note: `${request.updateId} is not pending` };
        }
        if (item.stage !== request.stage) {
          return {
            request,
            applied: false,
            note: `${request.updateId} waits for its ${item.stage}, not its ${request.stage}`,
          };
        }
        item.approved = true;
        return { request, applied: true, note: `${request.stage} of ${request.updateId} approved` };
      }
      case 'postpone': {
        const item = memory.pending[request.updateId];
        if (!item) {
          return { request, applied: false, note: `${request.updateId} is not pending` };
        }
        if (Date.parse(request.until) <= now.getTime()) {
          return { request, applied: false, note: `postponement until ${request.until} is over` };
        }
        item.postponedUntil = request.until;
        item.postponedBy = request.by;
        return {
          request,
          applied: true,
          note: `install of ${request.updateId} postponed until ${request.until}`,
        };
      }
      case 'postpone-restart': {
        if (Date.parse(request.until) <= now.getTime()) {
          return { request, applied: false, note: `postponement until ${request.until} is over` };
        }
        memory.restart.postponedUntil = request.until;
        return { request, applied: true, note: `restart postponed until ${request.until}` };
      }
      case 'take-back-postpone': {
        const item = memory.pending[request.updateId];
        if (!item || postponedUntil(item, now) === null) {
          return {
            request,
            applied: false,
            note: `the install of ${request.updateId} is not postponed`,
          };
        }
        item.postponedUntil = null;
        item.postponedBy = null;
        return {
          request,
          applied: true,
          note: `postponement of ${request.updateId} taken back`,
        };
      }
      case 'take-back-postpone-restart': {
        const until = memory.restart.postponedUntil;
        if (until === null || Date.parse(until) <= now.getTime()) {
          return { request, applied: false, note: 'the restart is not postponed' };
        }
        memory.restart.postponedUntil = null;
        return { request, applied: true, note: 'restart postponement taken back' };
      }
    }
  });
}
