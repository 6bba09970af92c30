import type {
  ComputerView,
  DeploymentDetailView,
  EnrollmentView,
  GroupDetailView,
  GroupView,
  ReimageRequestView,
  UpdateView,
} from '../../contracts/api.js';
import type { ChecklistView } from '../../contracts/review-routes.js';
import type { SlaView } from '../../contracts/review.js';
import type { SiteRuleChange } from '../../contracts/site-rules.js';
import type { BaselineView } from '../../contracts/baseline.js';
import type { ContentView } from '../../contracts/route-params.js';
import type { Services } from '../services/index.js';
import type { AuditSink, AuditSpec } from './audit-hook.js';

/**
 * What each audited route records as before → after. `before` loads what the call is
 * about to change; `after` summarizes the handler's answer (the services answer as they
 * always do and know nothing of the audit). A deployment's `after` names the event the
 * action wrote, so the entry and the event can be matched.
 */

/** Members listed in a group's summary; a larger group is summarized by its count. */
const MAX_MEMBERS = 200;

function groupSummary(group: GroupView | GroupDetailView) {
  const members = 'members' in group ? group.members.map((m) => m.hostname) : undefined;
  return {
    windows: group.windows,
    policy: group.policy,
    ownerEmail: group.ownerEmail,
    memberCount: group.memberCount,
    ...(members && members.length <= MAX_MEMBERS ? { members } : {}),
  };
}

/** Updates listed in a baseline's summary; a larger baseline is summarized by its count. */
const MAX_UPDATES = 200;

function baselineSummary(b: BaselineView) {
  return {
    groups: b.groups,
    updateCount: b.updates.length,
    ...(b.updates.length <= MAX_UPDATES ? { updates: b.updates } : {}),
  };
}

export function auditSpecs(services: Services): Record<string, AuditSpec> {
  const { deployments, deploymentActions, computers, enrollments, reimages, groups, baselines } =
    services;

  const deploymentState = async ({ id }: Record<string, string>) => ({
    state: (await deployments.find(id ?? '')).state,
  });
  /** The deployment's state after, and the event this actor's action wrote. */
  const deploymentAfter: AuditSpec['after'] = async (answer, { params, actor }) => {
    const deployment = answer as DeploymentDetailView;
    const id = params.id ?? deployment.id;
    const current = id === deployment.id ? deployment.state : (await deployments.find(id)).state;
    const event = await deploymentActions.lastEventBy(id, actor.name);
    return {
      state: current,
      event: event ? { id: event.id, at: event.at, type: event.type } : null,
      // A redeploy of a new revision answers the deployment it created.
      ...(id === deployment.id ? {} : { created: deployment.id }),
    };
  };
  const deploymentAction: AuditSpec = { before: deploymentState, after: deploymentAfter };
  const groupChange: AuditSpec = {
    before: async ({ name }) => groupSummary(await groups.show(name ?? '')),
    after: (answer) => groupSummary(answer as GroupView | GroupDetailView),
  };
  /** One checklist item of a deployment's review: done or not, by whom, with what note. */
  const itemOf = (checklist: ChecklistView['checklist'], item: string | undefined) => {
    const found = checklist.find((c) => c.item === item);
    return { done: found?.done ?? false, doneBy: found?.doneBy ?? null, note: found?.note ?? null };
  };
  const checklistChange: AuditSpec = {
    before: async ({ id, item }) =>
      itemOf((await services.reviews.checklist(id ?? '')).checklist, item),
    after: (answer, { params }) => itemOf((answer as ChecklistView).checklist, params.item),
  };
  const baselineChange: AuditSpec = {
    before: async ({ name }) => baselineSummary(await baselines.show(name ?? '')),
    after: (answer) => baselineSummary(answer as BaselineView),
  };
  /** A change that may rename it or change its description: those as well. */
  const baselineWhole = (b: BaselineView) => ({
    name: b.name,
    description: b.description,
    ...baselineSummary(b),
  });
  const baselineBefore: AuditSpec['before'] = async ({ name }) =>
    baselineWhole(await baselines.show(name ?? ''));
  const decision: AuditSpec = {
    before: async ({ id }) => ({ state: (await reimages.find(id ?? '')).state }),
    after: (answer) => {
      const r = answer as ReimageRequestView;
      return { state: r.state, computerId: r.computerId, decidedBy: r.decidedBy };
    },
  };

  return {
    createUpdate: { after: (answer) => ({ id: (answer as UpdateView).id }) },
    importUpdateArchive: { after: (answer) => ({ id: (answer as UpdateView).id }) },
    uploadContent: {
      after: (answer) => {
        const { sha256, size } = answer as ContentView;
        return { sha256, size };
      },
    },
    createEnrollment: {
      // Never the token: it is a secret, shown once to its creator.
      after: (answer) => {
        const e = answer as EnrollmentView;
        return { id: e.id, group: e.group, expiresAt: e.expiresAt, usesLeft: e.usesLeft };
      },
    },
    revokeEnrollment: {
      before: async ({ id }) => ({
        revoked: (await enrollments.find(id ?? '')).revokedAt !== null,
      }),
      after: (answer) => ({ revoked: (answer as EnrollmentView).revokedAt !== null }),
    },
    revokeComputer: {
      before: async ({ id }) => ({
        revoked: (await computers.resolve(id ?? '')).revokedAt !== null,
      }),
      after: (answer) => {
        const c = answer as ComputerView;
        return { id: c.id, revoked: c.revokedAt !== null };
      },
    },
    approveReimage: decision,
    refuseReimage: decision,
    createGroup: {
      after: (answer) => {
        const g = answer as GroupView;
        return { name: g.name, kind: g.kind, query: g.query, ...groupSummary(g) };
      },
    },
    addGroupMembers: groupChange,
    setGroupWindows: groupChange,
    setGroupPolicy: groupChange,
    setGroupOwnerEmail: groupChange,
    createBaseline: {
      after: (answer) => {
        const b = answer as BaselineView;
        return { id: b.id, name: b.name, ...baselineSummary(b) };
      },
    },
    setBaseline: {
      before: baselineBefore,
      after: (answer) => baselineWhole(answer as BaselineView),
    },
    removeBaseline: {
      before: baselineBefore,
      after: (answer) => ({ id: (answer as BaselineView).id, removed: true }),
    },
    addBaselineUpdates: baselineChange,
    removeBaselineUpdates: baselineChange,
    createDeployment: { after: deploymentAfter },
    haltDeployment: deploymentAction,
    resumeDeployment: deploymentAction,
    revokeDeployment: deploymentAction,
    rollbackDeployment: deploymentAction,
    promoteDeployment: deploymentAction,
    redeployDeployment: deploymentAction,
    setDeploymentSla: {
      before: async ({ id }) => ({ sla: (await services.reviews.sla(id ?? '')).sla }),
      after: (answer) => ({ sla: (answer as SlaView).sla }),
    },
    checkReviewItem: checklistChange,
    uncheckReviewItem: checklistChange,
    addSiteRule: { after: siteRuleSummary },
    removeSiteRule: {
      before: async ({ id }) => {
        const rule = await services.sites.find(id ?? '');
        return { cidr: rule.cidr, site: rule.site };
      },
      after: siteRuleSummary,
    },
  };
}

/** A rule added or removed: which, and how many computers' sites changed with it. */
function siteRuleSummary(answer: unknown) {
  const r = answer as SiteRuleChange;
  return { id: r.id, cidr: r.cidr, site: r.site, moved: r.moved };
}

/** The audit sink of a server: the specs above, the audit-log reads, the audit service. */
export function auditSink(services: Services): AuditSink {
  return {
    specs: auditSpecs(services),
    reads: new Set(['listAudit', 'exportAudit']),
    publicCalls: new Set(['signIn']),
    record: (call) => services.audit.record(call),
  };
}
