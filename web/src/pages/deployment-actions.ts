import type { DeploymentDetailView } from '../../../src/contracts/api.js';
import {
  decideChange,
  isDeploymentState,
  type AdminChange,
} from '../../../src/domain/deployment/state.js';
import type { RouteName } from '../api/access.js';
import type { Api } from '../api/client.js';
import { plural } from '../format.js';

export type ActionName = 'halt' | 'resume' | 'promote' | 'revoke' | 'rollback' | 'redeploy';

/** The route each action calls, whose permission says who may see it. */
export const actionRoutes: Record<ActionName, RouteName> = {
  halt: 'haltDeployment',
  resume: 'resumeDeployment',
  promote: 'promoteDeployment',
  revoke: 'revokeDeployment',
  rollback: 'rollbackDeployment',
  redeploy: 'redeployDeployment',
};

export type ActionSpec = {
  name: ActionName;
  label: string;
  /** What happens, to how many computers, in words. */
  effect: string;
  run: (api: Api, id: string, reason: string | undefined) => Promise<unknown>;
};

const change: Record<Exclude<ActionName, 'promote' | 'redeploy'>, AdminChange> = {
  halt: 'halt',
  resume: 'resume',
  revoke: 'revoke',
  rollback: 'rollback',
};

/** The actions this deployment's state allows (the same rules the server applies). */
export function actionsFor(d: DeploymentDetailView): ActionSpec[] {
  if (!isDeploymentState(d.state)) return [];
  const state = d.state;
  const c = d.counts;
  const installed = c.installed ?? 0;
  const failed = (c.failed ?? 0) + (c['uninstall-failed'] ?? 0);
  const finished = installed + (c['not-applicable'] ?? 0) + failed;
  const toGo = Math.max(0, d.total - finished);
  const nextIndex = d.phases.findIndex((p) => p.openedAt === null);
  const next = nextIndex >= 0 ? d.phases[nextIndex] : undefined;
  const allowed = (name: keyof typeof change) => decideChange(state, change[name]).ok;
  const out: ActionSpec[] = [];
  if (allowed('halt'))
    out.push({
      name: 'halt',
      label: 'Halt',
      effect: `No new install starts: ${plural(toGo, 'computer')} not yet done wait until it is resumed. Installs already running finish.`,
      run: (api, id, reason) => api.haltDeployment(id, { reason }),
    });
  if (allowed('resume'))
    out.push({
      name: 'resume',
      label: 'Resume',
      effect: `Installs start again where it stopped: ${plural(toGo, 'computer')} still to go.`,
      run: (api, id, reason) => api.resumeDeployment(id, { reason }),
    });
  if (state === 'active' && next)
    out.push({
      name: 'promote',
      label: `Promote to ${next.name}`,
      effect: `Phase ${next.name} opens now, without waiting for its gate: its ${plural(next.size, 'computer')} may start installing.`,
      run: (api, id) => api.promoteDeployment(id),
    });
  if (allowed('revoke'))
    out.push({
      name: 'revoke',
      label: 'Revoke',
      effect: `The approval is withdrawn: ${plural(toGo, 'computer')} not yet done will not get it. ${plural(installed, 'computer')} keep what is installed.`,
      run: (api, id, reason) => api.revokeDeployment(id, { reason }),
    });
  if (allowed('rollback'))
    out.push({
      name: 'rollback',
      label: 'Roll back',
      effect: `The update is uninstalled from the ${plural(installed, 'computer')} where this deployment installed it.`,
      run: (api, id, reason) => api.rollbackDeployment(id, { reason }),
    });
  if (failed > 0 && decideChange(state, 'readvertise').ok)
    out.push({
      name: 'redeploy',
      label: 'Redeploy failed',
      effect: `The ${plural(failed, 'failed computer')} get it again, with their attempts reset.`,
      run: (api, id, reason) => api.redeployDeployment(id, { failedOnly: true, reason }),
    });
  return out;
}
