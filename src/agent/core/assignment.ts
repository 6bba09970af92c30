import type { Assignment } from '../../contracts/agent-protocol.js';
import type { Inventory } from '../../contracts/inventory.js';
import type { DetectRule, Platform } from '../../contracts/manifest.js';
import { exitCodeName, type InstallerKind } from '../../domain/packages/installers.js';
import type { FailureReason } from '../../domain/status.js';
import { describeRule, detect } from './detect.js';
import { fetchFiles } from './download.js';
import type { CommandResult, Host } from './host.js';
import type { AssignmentContext, AssignmentEnd, Step } from './assignment-context.js';
import { applyPolicy } from './client-policy.js';
import { resolveRun, type InstallRun } from './installer.js';
import { recordRunning, stillRunning } from './running-install.js';
import { replaceAgent, rollBackAgent } from './agent-install.js';

export type { AssignmentContext, AssignmentEnd, Step } from './assignment-context.js';

export async function handleAssignment(
  ctx: AssignmentContext,
  assignment: Assignment,
): Promise<AssignmentEnd> {
  return assignment.action === 'install'
    ? await install(ctx, assignment)
    : await uninstall(ctx, assignment);
}

async function install(ctx: AssignmentContext, a: Assignment): Promise<AssignmentEnd> {
  const { host } = ctx;
  const { manifest } = a;
  const env = commandEnv(ctx, a);

  const reboot = ctx.memory.reboots[a.updateId];
  if (reboot) {
    const bootTime = await host.bootTime();
    if (bootTime === reboot.bootTime) return 'awaiting-reboot';
    delete ctx.memory.reboots[a.updateId];
    await ctx.saveMemory();
    return await inWorkDir(ctx, a, async (workDir) => {
      const after = await detect(host, manifest.detect, workDir, env);
      return await finish(ctx, after.kind === 'installed', 'after the restart', null);
    });
  }

  // An install begun by an agent process that was killed may still run: never start a
  // second one. Once it has gone, the normal path below detects first, then decides.
  if (await stillRunning(ctx, a.updateId)) return 'installing';

  if (!manifest.platforms.some((p) => platformMatches(p, ctx.inventory))) {
    const wanted = manifest.platforms.map((p) => (p.arch ? `${p.os}/${p.arch}` : p.os));
    return await end(ctx, {
      state: 'not-applicable',
      message: `for ${wanted.join(', ')}; this computer is ${ctx.inventory.os}/${ctx.inventory.arch}`,
    });
  }

  return await inWorkDir(ctx, a, async (workDir) => {
    const notApplicable = await unmetApplicability(host, manifest.applicableIf, workDir, env);
    if (notApplicable?.kind === 'error') {
      return await end(ctx, {
        state: 'failed',
        reason: 'detect-error',
        message: notApplicable.message,
      });
    }
    if (notApplicable) {
      return await end(ctx, { state: 'not-applicable', message: notApplicable.message });
    }
    const before = await detect(host, manifest.detect, workDir, env);
    if (before.kind === 'error') {
      return await end(ctx, { state: 'failed', reason: 'detect-error', message: before.message });
    }
    if (before.kind === 'installed') {
      const message =
        manifest.install.kind === 'agent'
          ? `the agent runs ${ctx.inventory.agentVersion}`
          : 'already installed';
      return await end(ctx, { state: 'installed', message });
    }
    const agent = manifest.install.kind === 'agent' ? manifest.install : null;
    const resolved = agent ? null : resolveRun(manifest.install, ctx.inventory.os, 'install');
    if (typeof resolved === 'string') {
      return await end(ctx, { state: 'failed', reason: 'install-error', message: resolved });
    }

    const needMB = manifest.requires.freeDiskMB;
    if (needMB !== undefined) {
      const freeMB = await host.freeDiskMB();
      if (freeMB < needMB) {
        const message = `needs ${needMB} MB free disk, has ${Math.floor(freeMB)} MB`;
        return await end(ctx, { state: 'failed', reason: 'disk-space', message });
      }
    }
    const missing = await missingPrerequisites(host, manifest.requires.prerequisites, workDir, env);
    if (missing.length > 0) {
      const message = `missing prerequisite: ${missing.join('; ')}`;
      return await end(ctx, { state: 'failed', reason: 'prerequisite-missing', message });
    }

    const go = await applyPolicy(ctx, a);
    if (go.kind === 'wait') return go.end;

    const fetched = await fetchAndPlace(ctx, a, workDir, 'downloading');
    if (fetched) return await end(ctx, { state: 'failed', ...fetched });
    if (agent) return await replaceAgent(ctx, a, agent, workDir);
    // Only the agent kind has no command line, and it went above.
    if (!resolved) throw new Error('an install without a command line');

    await ctx.report({ state: 'installing', ...(go.why ? { message: go.why } : {}) });
    const run = await recordRunning(ctx, a.updateId, (started) =>
      ctx.installer(host, resolved, workDir, env, started),
    );
    const tail = { exitCode: run.result.exitCode, output: run.result.output };
    switch (run.kind) {
      case 'success':
      case 'already-installed': {
        const after = await detect(host, manifest.detect, workDir, env);
        const said =
          run.kind === 'already-installed'
            ? 'the installer says it was already installed'
            : undefined;
        return await finish(ctx, after.kind === 'installed', 'after the install', run.result, said);
      }
      case 'reboot':
        ctx.memory.reboots[a.updateId] = { bootTime: await host.bootTime() };
        await ctx.saveMemory();
        return await end(ctx, { state: 'pending-reboot', ...tail, message: 'restart required' });
      case 'retry':
        return await end(ctx, { state: 'failed', reason: 'install-retry', ...tail });
      case 'timeout':
        return await end(ctx, {
          state: 'failed',
          reason: 'install-timeout',
          ...tail,
          message: timedOutMessage(resolved.timeoutSeconds),
        });
      case 'error':
        return await end(ctx, {
          state: 'failed',
          reason: 'install-error',
          ...tail,
          message: exitMessage(run, resolved.kind),
        });
    }
  });
}

async function uninstall(ctx: AssignmentContext, a: Assignment): Promise<AssignmentEnd> {
  const { host } = ctx;
  const { manifest } = a;
  const env = commandEnv(ctx, a);
  // An uninstall is an admin's rollback: it runs at once, whatever the policy, and
  // replaces any install still waiting for the person at the computer.
  if (ctx.memory.reboots[a.updateId] || ctx.memory.pending[a.updateId]) {
    delete ctx.memory.reboots[a.updateId];
    delete ctx.memory.pending[a.updateId];
    await ctx.saveMemory();
  }

  return await inWorkDir(ctx, a, async (workDir) => {
    const before = await detect(host, manifest.detect, workDir, env);
    if (before.kind === 'error') {
      return await end(ctx, {
        state: 'uninstall-failed',
        reason: 'detect-error',
        message: before.message,
      });
    }
    if (before.kind === 'absent') {
      const message =
        manifest.uninstall?.kind === 'agent'
          ? `the agent runs ${ctx.inventory.agentVersion}`
          : 'not installed';
      return await end(ctx, { state: 'uninstalled', message });
    }
    if (!manifest.uninstall) {
      return await end(ctx, {
        state: 'uninstall-failed',
        reason: 'uninstall-error',
        message: 'the update has no uninstall command',
      });
    }
    if (manifest.uninstall.kind === 'agent') return await rollBackAgent(ctx);

    const resolved = resolveRun(manifest.uninstall, ctx.inventory.os, 'uninstall');
    if (typeof resolved === 'string') {
      return await end(ctx, {
        state: 'uninstall-failed',
        reason: 'uninstall-error',
        message: resolved,
      });
    }

    await ctx.report({ state: 'uninstalling' });
    const fetched = await fetchAndPlace(ctx, a, workDir, null);
    if (fetched) return await end(ctx, { state: 'uninstall-failed', ...fetched });

    const run = await ctx.installer(host, resolved, workDir, env);
    const tail = { exitCode: run.result.exitCode, output: run.result.output };
    if (run.kind === 'success' || run.kind === 'already-installed' || run.kind === 'reboot') {
      const after = await detect(host, manifest.detect, workDir, env);
      if (after.kind === 'absent') {
        const message = run.kind === 'reboot' ? 'restart required' : undefined;
        return await end(ctx, { state: 'uninstalled', ...tail, message });
      }
      return await end(ctx, {
        state: 'uninstall-failed',
        reason: 'uninstall-error',
        ...tail,
        message: 'the uninstall command succeeded but the detect rule still finds the update',
      });
    }
    return await end(ctx, {
      state: 'uninstall-failed',
      reason: 'uninstall-error',
      ...tail,
      message:
        run.kind === 'timeout'
          ? timedOutMessage(resolved.timeoutSeconds)
          : exitMessage(run, resolved.kind),
    });
  });
}

/** Downloads and verifies the files, then places them; returns the failure, if any. */
async function fetchAndPlace(
  ctx: AssignmentContext,
  a: Assignment,
  workDir: string,
  announce: 'downloading' | null,
): Promise<{ reason: FailureReason; message: string } | null> {
  if (a.files.length === 0) return null;
  // Announced only when something is transferred: not for files downloaded while waiting.
  const fetched = await fetchFiles(
    ctx.host.content,
    ctx.client,
    ctx.auth,
    a.files,
    announce ? () => ctx.report({ state: announce }) : undefined,
    ctx.points,
  );
  if (fetched.kind !== 'ok') return { reason: fetched.kind, message: fetched.message };
  await ctx.host.content.fillWorkDir(workDir, a.files);
  return null;
}

async function finish(
  ctx: AssignmentContext,
  installed: boolean,
  when: string,
  result: CommandResult | null,
  message?: string,
): Promise<AssignmentEnd> {
  const tail = result ? { exitCode: result.exitCode, output: result.output } : {};
  if (installed)
    return await end(ctx, { state: 'installed', ...tail, ...(message ? { message } : {}) });
  return await end(ctx, {
    state: 'failed',
    reason: 'detect-mismatch',
    ...tail,
    message: `the detect rule does not find the update ${when}`,
  });
}

async function end(ctx: AssignmentContext, step: Step): Promise<AssignmentEnd> {
  await ctx.report(step);
  return step.state;
}

async function inWorkDir(
  ctx: AssignmentContext,
  a: Assignment,
  body: (workDir: string) => Promise<AssignmentEnd>,
): Promise<AssignmentEnd> {
  const workDir = await ctx.host.content.createWorkDir(a.updateId);
  try {
    return await body(workDir);
  } finally {
    await ctx.host.content.removeWorkDir(a.updateId);
  }
}

async function missingPrerequisites(
  host: Host,
  rules: readonly DetectRule[],
  workDir: string,
  env: Readonly<Record<string, string>>,
): Promise<string[]> {
  const missing: string[] = [];
  for (const rule of rules) {
    const outcome = await detect(host, rule, workDir, env);
    if (outcome.kind !== 'installed') missing.push(describeRule(rule));
  }
  return missing;
}

/**
 * The first `applicableIf` rule that does not hold, as why the update does not apply
 * here; an error when a rule could not be evaluated; null when it applies.
 */
async function unmetApplicability(
  host: Host,
  rules: readonly DetectRule[],
  workDir: string,
  env: Readonly<Record<string, string>>,
): Promise<{ kind: 'unmet' | 'error'; message: string } | null> {
  for (const rule of rules) {
    const outcome = await detect(host, rule, workDir, env);
    if (outcome.kind === 'error') return { kind: 'error', message: outcome.message };
    if (outcome.kind === 'absent') {
      return { kind: 'unmet', message: `applies only where ${describeRule(rule)} holds` };
    }
  }
  return null;
}

export function platformMatches(platform: Platform, inventory: Inventory): boolean {
  return platform.os === inventory.os && (!platform.arch || platform.arch === inventory.arch);
}

function commandEnv(ctx: AssignmentContext, a: Assignment): Record<string, string> {
  return { RINGMASTER_UPDATE_ID: a.updateId, RINGMASTER_COMPUTER_ID: ctx.auth.computerId };
}

function timedOutMessage(timeoutSeconds: number): string {
  return `the command timed out after ${timeoutSeconds}s and was killed`;
}

function exitMessage(run: InstallRun, kind: InstallerKind): string {
  const code = run.result.exitCode;
  if (code === null) return 'the command was killed by a signal';
  const name = exitCodeName(kind, code);
  return `the command exited with ${code}${name ? ` (${name})` : ''}`;
}
