import type { Selectable } from 'kysely';
import { planSchema, type DeploymentPlan } from '../contracts/plan.js';
import type { ClientPolicy } from '../domain/deployment/policy.js';
import { isDeploymentState, type DeploymentState } from '../domain/deployment/state.js';
import type { ReportedStatus } from '../domain/status.js';
import type { DeploymentTable } from './schema.js';

/** The deployment aggregate's records, as the repository gives and takes them. */

export type DeploymentRecord = {
  id: string;
  /** The updates it carries, in the order approved (at least one). */
  updateIds: string[];
  /** Those of them with an uninstall command: what a rollback removes. */
  uninstallable: string[];
  state: DeploymentState;
  /** Why it is in its state (halted: the gate or the admin's reason). */
  stateReason: string | null;
  action: 'install' | 'uninstall';
  /** Validated, defaults filled in, parsed once. */
  plan: DeploymentPlan;
  /** The client policy it sets explicitly (null: the computers' groups decide). */
  policy: ClientPolicy | null;
  createdAt: number;
  updatedAt: number | null;
  deadline: number | null;
  /** Failed computers that reported before this are assigned the update again now. */
  readvertisedAt: number | null;
  nextEvaluationAt: number | null;
  waitingFor: string | null;
  /** Names of the target groups. */
  groups: string[];
};

export type NewDeployment = Pick<
  DeploymentRecord,
  | 'id'
  | 'updateIds'
  | 'uninstallable'
  | 'state'
  | 'action'
  | 'plan'
  | 'policy'
  | 'createdAt'
  | 'deadline'
>;

/** What a change may write. */
export type DeploymentChanges = Partial<
  Pick<
    DeploymentRecord,
    | 'state'
    | 'stateReason'
    | 'action'
    | 'readvertisedAt'
    | 'nextEvaluationAt'
    | 'waitingFor'
    | 'updatedAt'
  >
>;

export type PhaseRecord = {
  index: number;
  name: string;
  openedAt: number | null;
  promotedAt: number | null;
};

/** One update of a deployment that reaches one computer at check-in, through its placement. */
export type ReachingDeployment = Pick<
  DeploymentRecord,
  'id' | 'action' | 'state' | 'plan' | 'policy' | 'deadline' | 'createdAt' | 'readvertisedAt'
> & { updateId: string };

/** One computer of a deployment, its phase (null: not placed yet) and its status, if any. */
export type TargetStatus = {
  computerId: string;
  hostname: string;
  updateId: string;
  phase: number | null;
  /** The computer's last check-in. */
  lastSeenAt: number | null;
} & ReportedStatus;

const defaultPlanText = '{"phases":[{"name":"all","percent":100}]}';

/** Parses stored plans once per text: plans never change once approved. */
export class PlanCache {
  private readonly plans = new Map<string, DeploymentPlan>();

  parse(text: string | null): DeploymentPlan {
    const key = text ?? defaultPlanText;
    let plan = this.plans.get(key);
    if (!plan) {
      if (this.plans.size >= 10_000) this.plans.clear();
      plan = planSchema.parse(JSON.parse(key));
      this.plans.set(key, plan);
    }
    return plan;
  }
}

export function stateOf(row: { id: string; state: string }): DeploymentState {
  if (!isDeploymentState(row.state)) {
    throw new Error(`deployment ${row.id} has an unknown state "${row.state}"`);
  }
  return row.state;
}

const num = (v: number | string | bigint | null): number | null => (v === null ? null : Number(v));

type DeploymentRow = Selectable<DeploymentTable>;
type DeploymentColumns = Pick<
  DeploymentRow,
  'id' | 'state' | 'action' | 'plan' | 'policy' | 'created_at' | 'deadline' | 'readvertised_at'
>;

const policies: readonly string[] = ['notify', 'auto-download', 'scheduled'];
const policyOf = (text: string | null): ClientPolicy | null =>
  text !== null && policies.includes(text) ? (text as ClientPolicy) : null;

function common(row: DeploymentColumns, plans: PlanCache) {
  return {
    id: row.id,
    state: stateOf(row),
    action: row.action === 'uninstall' ? ('uninstall' as const) : ('install' as const),
    plan: plans.parse(row.plan),
    policy: policyOf(row.policy),
    createdAt: Number(row.created_at),
    deadline: num(row.deadline),
    readvertisedAt: num(row.readvertised_at),
  };
}

export function toReaching(
  row: DeploymentColumns & { update_id: string },
  plans: PlanCache,
): ReachingDeployment {
  return { ...common(row, plans), updateId: row.update_id };
}

export function toDeploymentRecord(
  row: DeploymentColumns &
    Pick<DeploymentRow, 'state_reason' | 'updated_at' | 'next_evaluation_at' | 'waiting_for'>,
  links: { groups: string[]; updates: { id: string; uninstallable: boolean }[] },
  plans: PlanCache,
): DeploymentRecord {
  return {
    ...common(row, plans),
    updateIds: links.updates.map((u) => u.id),
    uninstallable: links.updates.filter((u) => u.uninstallable).map((u) => u.id),
    stateReason: row.state_reason,
    updatedAt: num(row.updated_at),
    nextEvaluationAt: num(row.next_evaluation_at),
    waitingFor: row.waiting_for,
    groups: links.groups,
  };
}

/** The columns a change writes (only those given). */
export function toColumns(c: DeploymentChanges) {
  return {
    ...(c.state !== undefined ? { state: c.state } : {}),
    ...(c.stateReason !== undefined ? { state_reason: c.stateReason } : {}),
    ...(c.action !== undefined ? { action: c.action } : {}),
    ...(c.readvertisedAt !== undefined ? { readvertised_at: c.readvertisedAt } : {}),
    ...(c.nextEvaluationAt !== undefined ? { next_evaluation_at: c.nextEvaluationAt } : {}),
    ...(c.waitingFor !== undefined ? { waiting_for: c.waitingFor } : {}),
    ...(c.updatedAt !== undefined ? { updated_at: c.updatedAt } : {}),
  };
}
