import type { Assignment } from '../../contracts/agent-protocol.js';
import type { InstallSpec } from '../../contracts/manifest.js';
import { formatDuration } from '../../domain/rollout/duration.js';
import type { AssignmentContext, AssignmentEnd } from './assignment-context.js';
import { newTrial } from './agent-trial.js';

export type AgentInstall = Extract<InstallSpec, { kind: 'agent' }>;

/**
 * The `agent` kind's install, its file downloaded and verified in `workDir`: keep the new
 * bundle beside the running one, open its trial, point the launcher at it and ask for
 * the agent to restart. The new version's first check-in ends the trial (agent-core.ts);
 * the detect rule (its version) then reports `installed`.
 */
export async function replaceAgent(
  ctx: AssignmentContext,
  a: Assignment,
  spec: AgentInstall,
  workDir: string,
): Promise<AssignmentEnd> {
  const versions = ctx.host.agentVersions;
  const unable = versions ? versions.unable() : 'this agent cannot replace itself';
  if (!versions || unable) return await failed(ctx, 'failed', unable ?? '');
  const problem = await versions.stage(spec.version, `${workDir}/${spec.file}`);
  if (problem) return await failed(ctx, 'failed', problem);
  const from = ctx.inventory.agentVersion;
  await versions.beginTrial(newTrial(a, from, spec.version, spec.timeoutSeconds, ctx.now()));
  const message = `restarting into agent ${spec.version} (from ${from}); it must check in within ${formatDuration(spec.timeoutSeconds)}`;
  await ctx.report({ state: 'installing', message });
  ctx.restartAgent?.(message);
  return 'installing';
}

/** The `agent` kind's uninstall (a rollback): back to the version kept as previous. */
export async function rollBackAgent(ctx: AssignmentContext): Promise<AssignmentEnd> {
  const versions = ctx.host.agentVersions;
  const unable = versions ? versions.unable() : 'this agent cannot replace itself';
  if (!versions || unable) return await failed(ctx, 'uninstall-failed', unable ?? '');
  const to = await versions.rollBack();
  if (to === null) {
    return await failed(ctx, 'uninstall-failed', 'no earlier agent version is kept to go back to');
  }
  const target = to === '' ? 'the packaged agent' : `agent ${to}`;
  const message = `restarting into ${target} (from ${ctx.inventory.agentVersion})`;
  await ctx.report({ state: 'uninstalling', message });
  ctx.restartAgent?.(message);
  return 'uninstalling';
}

async function failed(
  ctx: AssignmentContext,
  state: 'failed' | 'uninstall-failed',
  message: string,
): Promise<AssignmentEnd> {
  const reason = state === 'failed' ? 'install-error' : 'uninstall-error';
  await ctx.report({ state, reason, message });
  return state;
}
