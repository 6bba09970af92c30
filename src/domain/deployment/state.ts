/**
 * A deployment's state and the changes between states. Admins and the engine ask
 * here whether a change may happen and where it leads; the store applies it only
 * if the deployment is still in a state it may start from, so two actors never
 * both act on the same state.
 */

export const deploymentStates = [
  'active',
  'halted', // stopped by the engine or an admin; nothing opens until resumed
  'revoked',
  'completed', // every computer done; still enforcing (joiners and re-imaged computers reopen it)
  'rolling-back',
  'rolled-back',
] as const;
export type DeploymentState = (typeof deploymentStates)[number];

export function isDeploymentState(text: string): text is DeploymentState {
  return (deploymentStates as readonly string[]).includes(text);
}

/** Changes an admin asks for in one action. */
export type AdminChange = 'halt' | 'resume' | 'revoke' | 'rollback' | 'readvertise';
/** Changes the engine makes from what the computers report. */
export type EngineChange = 'halt' | 'complete' | 'reopen' | 'finish-rollback';
export type DeploymentChange = AdminChange | EngineChange;

type Rule = { from: readonly DeploymentState[]; to: DeploymentState; done: string };

const rules: Record<DeploymentChange, Rule> = {
  halt: { from: ['active', 'completed'], to: 'halted', done: 'halted' },
  resume: { from: ['halted'], to: 'active', done: 'resumed' },
  revoke: { from: ['active', 'halted', 'completed'], to: 'revoked', done: 'revoked' },
  rollback: {
    from: ['active', 'halted', 'completed', 'revoked'],
    to: 'rolling-back',
    done: 'rolling back',
  },
  // A redeploy of the same update advertises it again and lets a stopped deployment go on.
  readvertise: { from: ['active', 'halted', 'completed'], to: 'active', done: 're-advertised' },
  complete: { from: ['active'], to: 'completed', done: 'completed' },
  reopen: { from: ['completed'], to: 'active', done: 'reopened' },
  'finish-rollback': { from: ['rolling-back'], to: 'rolled-back', done: 'rolled back' },
};

export type ChangeVerdict =
  | { ok: true; from: readonly DeploymentState[]; to: DeploymentState; done: string }
  | { ok: false; reason: string };

/** May `change` happen to a deployment in `state`, and where does it lead? */
export function decideChange(state: DeploymentState, change: DeploymentChange): ChangeVerdict {
  const rule = rules[change];
  if (!rule.from.includes(state)) {
    return { ok: false, reason: `${change} needs it to be ${rule.from.join(' or ')}` };
  }
  return { ok: true, from: rule.from, to: rule.to, done: rule.done };
}

/** The states a change may start from (for the store's conditional update). */
export function statesBefore(change: DeploymentChange): readonly DeploymentState[] {
  return rules[change].from;
}

/** States the engine evaluates: something may still happen without an admin. */
export const evaluatedStates: readonly DeploymentState[] = ['active', 'completed', 'rolling-back'];

/**
 * Live deployments still reach their computers (or will again when resumed):
 * a second one of the same update to the same group is a duplicate.
 */
export const liveStates: readonly DeploymentState[] = ['active', 'halted', 'completed'];

/** States in which a deployment's open phases hand out assignments at check-in. */
export const assigningStates: readonly DeploymentState[] = ['active', 'completed'];

/**
 * States in which the computers of a deployment's open phases may still download
 * its updates' files: those it assigns, and halted, so a download begun before
 * the halt can finish (and resume) without becoming a false failure.
 */
export const contentStates: readonly DeploymentState[] = [...assigningStates, 'halted'];
