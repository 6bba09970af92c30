import type { DeploymentState } from '../deployment/state.js';

/**
 * What a child does with a deployment its parent enabled (or held), each sync: the
 * parent's hold and enable, and the last halt, resume or rollback an admin made of it on
 * the parent, carried down with a number. A number is applied once: a sync that stopped
 * after applying it but before recording it finds the action in effect and only records
 * it. A held deployment is left as the hold made it; once enabled again it catches up
 * with the parent's last action (a hold's halt is resumed only if that action is not a
 * halt or a rollback). A halt this server made for a reason of its own (its engine's
 * failure threshold, its admin) is not undone by the parent.
 */

/** The admin actions a parent carries to its children. */
export const carriedActions = ['halt', 'resume', 'rollback'] as const;
export type CarriedAction = (typeof carriedActions)[number];

export function isCarriedAction(text: string): text is CarriedAction {
  return (carriedActions as readonly string[]).includes(text);
}

export type CarriedState = {
  /** The parent lets the deployment reach this child (false: held). */
  enabled: boolean;
  /** The state of the deployment the child made of it. */
  state: DeploymentState;
  /** Its halt, if halted, is the parent's: a hold's or a carried halt (its reason says so). */
  haltedByParent: boolean;
  /** The parent's last action, with its number; null if none. */
  action: { kind: CarriedAction; seq: number } | null;
  /** The number of the last action applied here (0: none). */
  appliedSeq: number;
};

export type CarriedStep =
  | { step: 'none' }
  /** Held: halt what was made here. */
  | { step: 'hold' }
  /** Enabled again: resume what the hold halted. */
  | { step: 'unhold' }
  /** Do the parent's action here, then record its number. */
  | { step: 'apply'; action: CarriedAction; seq: number }
  /** The action is in effect here already: record its number only. */
  | { step: 'record'; seq: number };

/** The states each carried action starts from (as the deployment state machine says). */
const appliesFrom: Record<CarriedAction, readonly DeploymentState[]> = {
  halt: ['active', 'completed'],
  resume: ['halted'],
  rollback: ['active', 'halted', 'completed', 'revoked'],
};

export function nextCarriedStep(s: CarriedState): CarriedStep {
  // A completed deployment still reaches joiners and re-imaged computers: a hold halts it too.
  if (!s.enabled) return appliesFrom.halt.includes(s.state) ? { step: 'hold' } : { step: 'none' };
  const action = s.action;
  if (action !== null && action.seq > s.appliedSeq) {
    // A resume does not undo a halt made here for a reason of this server's own.
    const resumable = action.kind !== 'resume' || s.haltedByParent;
    return appliesFrom[action.kind].includes(s.state) && resumable
      ? { step: 'apply', action: action.kind, seq: action.seq }
      : { step: 'record', seq: action.seq };
  }
  const stopped = action !== null && action.kind !== 'resume';
  if (s.state === 'halted' && s.haltedByParent && !stopped) return { step: 'unhold' };
  return { step: 'none' };
}
