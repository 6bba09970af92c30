import type { Assignment } from '../../contracts/agent-protocol.js';
import type { FailureReason, ReportedState } from '../../domain/status.js';
import type { AssignmentContext, AssignmentEnd } from './assignment-context.js';
import { fetchFiles } from './download.js';
import { postponedUntil } from './local-user.js';
import type { PendingItem, PendingStage, ToldWait } from './memory.js';

export type PolicyOutcome =
  { kind: 'go'; why: string | null } | { kind: 'wait'; end: AssignmentEnd };

/**
 * The client policy: whether the install goes ahead now, or waits (for a local admin's
 * approval of the download or the install, or for the scheduled time). A deadline that
 * has passed and an emergency override every policy. Downloads made while waiting stay
 * in the content store until the install or until the assignment goes away.
 */
export async function applyPolicy(ctx: AssignmentContext, a: Assignment): Promise<PolicyOutcome> {
  const now = ctx.now();
  let item = ctx.memory.pending[a.updateId];
  if (item && !sameAssignment(item, a)) {
    // Another deployment or revision of the update: what was approved no longer holds.
    delete ctx.memory.pending[a.updateId];
    item = undefined;
  } else if (item && (item.installAt !== a.installAt || item.deadline !== a.deadline)) {
    // The admin moved the schedule or the deadline: keep the view right.
    item.installAt = a.installAt;
    item.deadline = a.deadline;
    await ctx.saveMemory();
  }
  const forced = forcedBy(a, now);
  if (forced !== null) return await go(ctx, a, forced);
  if (item && postponedUntil(item, now) !== null) return await wait(ctx, a, item, 'postponed');

  switch (a.policy) {
    case 'notify':
      item ??= newItem(a, 'download', now);
      if (item.stage === 'download') {
        if (!item.approved) return await wait(ctx, a, item, 'awaiting-download');
        if (!(await downloadWhileWaiting(ctx, a, item))) return { kind: 'wait', end: 'failed' };
        moveToInstall(item, now);
      }
      if (!item.approved) return await wait(ctx, a, item, 'awaiting-install');
      return await go(ctx, a, 'approved by a local admin');
    case 'auto-download':
      if (!item) {
        item = newItem(a, 'install', now);
        if (!(await downloadWhileWaiting(ctx, a, item))) return { kind: 'wait', end: 'failed' };
      }
      if (!item.approved) return await wait(ctx, a, item, 'awaiting-install');
      return await go(ctx, a, 'approved by a local admin');
    case 'scheduled': {
      const due = a.installAt === null || Date.parse(a.installAt) <= now.getTime();
      if (item?.approved) return await go(ctx, a, 'approved by a local admin before its time');
      if (due) {
        return await go(ctx, a, a.installAt === null ? null : `scheduled for ${a.installAt}`);
      }
      if (!item) {
        item = newItem(a, 'install', now);
        if (!(await downloadWhileWaiting(ctx, a, item))) return { kind: 'wait', end: 'failed' };
      }
      return await wait(ctx, a, item, 'scheduled');
    }
  }
}

/** Why an install goes ahead now whatever the policy, or null. */
export function forcedBy(a: Assignment, now: Date): string | null {
  if (a.emergency) return 'emergency deployment';
  if (a.deadline !== null && Date.parse(a.deadline) <= now.getTime()) {
    return `the deadline ${a.deadline} has passed`;
  }
  return null;
}

async function go(
  ctx: AssignmentContext,
  a: Assignment,
  why: string | null,
): Promise<PolicyOutcome> {
  if (ctx.memory.pending[a.updateId]) {
    delete ctx.memory.pending[a.updateId];
    await ctx.saveMemory();
  }
  return { kind: 'go', why };
}

type WaitState = {
  state: ReportedState;
  reason?: FailureReason;
  message: (a: Assignment, item: PendingItem) => string;
};

const waitStates: Record<ToldWait, WaitState> = {
  'awaiting-download': {
    state: 'awaiting-user',
    message: () => 'waiting for a local admin to approve the download',
  },
  'awaiting-install': {
    state: 'awaiting-user',
    message: () => 'downloaded; waiting for a local admin to approve the install',
  },
  scheduled: {
    state: 'downloaded',
    message: (a) => `downloaded; installs at ${a.installAt}, or earlier if a local admin says so`,
  },
  postponed: {
    state: 'awaiting-user',
    reason: 'user-postponed',
    message: (_a, item) =>
      `postponed${item.postponedBy ? ` by ${item.postponedBy}` : ''} until ${item.postponedUntil}`,
  },
};

/** Holds the install back; tells the server once per transition, not every cycle. */
async function wait(
  ctx: AssignmentContext,
  a: Assignment,
  item: PendingItem,
  told: ToldWait,
): Promise<PolicyOutcome> {
  const { state, reason, message } = waitStates[told];
  const isNew = ctx.memory.pending[a.updateId] !== item;
  ctx.memory.pending[a.updateId] = item;
  if (item.told !== told) {
    const deadline = a.deadline ? `; enforced at the deadline ${a.deadline}` : '';
    await ctx.report({
      state,
      ...(reason ? { reason } : {}),
      message: `${message(a, item)}${deadline}`,
    });
    item.told = told;
    await ctx.saveMemory();
  } else if (isNew) {
    await ctx.saveMemory();
  }
  return { kind: 'wait', end: state };
}

/** Downloads (and verifies) ahead of the install; false after reporting a failure. */
async function downloadWhileWaiting(
  ctx: AssignmentContext,
  a: Assignment,
  item: PendingItem,
): Promise<boolean> {
  if (a.files.length === 0) return true;
  const fetched = await fetchFiles(
    ctx.host.content,
    ctx.client,
    ctx.auth,
    a.files,
    () => ctx.report({ state: 'downloading' }),
    ctx.points,
  );
  if (fetched.kind === 'ok') return true;
  await ctx.report({ state: 'failed', reason: fetched.kind, message: fetched.message });
  // The failure was told; the next wait is told again once the download works.
  item.told = null;
  if (ctx.memory.pending[a.updateId] === item) await ctx.saveMemory();
  return false;
}

function newItem(a: Assignment, stage: PendingStage, now: Date): PendingItem {
  return {
    deploymentId: a.deploymentId,
    title: a.manifest.title,
    policy: a.policy,
    installAt: a.installAt,
    deadline: a.deadline,
    files: a.files.map((f) => f.sha256),
    stage,
    approved: false,
    told: null,
    since: now.toISOString(),
  };
}

function moveToInstall(item: PendingItem, now: Date): void {
  item.stage = 'install';
  item.approved = false;
  item.since = now.toISOString();
}

function sameAssignment(item: PendingItem, a: Assignment): boolean {
  const files = a.files.map((f) => f.sha256);
  return (
    item.deploymentId === a.deploymentId &&
    item.policy === a.policy &&
    item.files.length === files.length &&
    item.files.every((sha, i) => sha === files[i])
  );
}
