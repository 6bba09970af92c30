import type {
  ComputerView,
  DeploymentComputerView,
  DeploymentView,
  GroupView,
  StaleReportRow,
  UpdateView,
} from '../../../src/contracts/api.js';
import type { DiscrepancyView } from '../../../src/contracts/scan.js';
import type { BaselineView } from '../../../src/contracts/baseline.js';
import type { Api } from './client.js';

/**
 * Every list the console reads goes through here. The server answers a plain array
 * today; paged lists answer `{ items, nextCursor, total }`. Both are accepted, so the
 * switch to server-side paging changes this file only.
 */
export type Page<T> = { items: T[]; nextCursor: string | null; total: number };

type ListAnswer<T> =
  readonly T[] | { items: readonly T[]; nextCursor?: string | null; total?: number };

export function pageOf<T>(answer: ListAnswer<T>): Page<T> {
  if (Array.isArray(answer)) {
    const items = [...(answer as readonly T[])];
    return { items, nextCursor: null, total: items.length };
  }
  const page = answer as Exclude<ListAnswer<T>, readonly T[]>;
  return {
    items: [...page.items],
    nextCursor: page.nextCursor ?? null,
    total: page.total ?? page.items.length,
  };
}

export const listDeployments = async (api: Api): Promise<Page<DeploymentView>> =>
  pageOf<DeploymentView>(await api.listDeployments());

export const listComputers = async (api: Api): Promise<Page<ComputerView>> =>
  pageOf<ComputerView>(await api.listComputers());

export type FleetHealth = { total: number; online: number; offline: number; 'never-seen': number };

/**
 * How many computers are online, offline and never seen, over the whole fleet: the
 * server counts each (a page of one, with its total), the console adds nothing up.
 */
export async function fleetHealth(api: Api): Promise<FleetHealth> {
  const count = async (health: 'online' | 'offline' | 'never-seen') =>
    pageOf<ComputerView>(await api.listComputers({ limit: 1, health })).total;
  const [online, offline, neverSeen] = await Promise.all([
    count('online'),
    count('offline'),
    count('never-seen'),
  ]);
  // The three states part the fleet: their sum is every computer.
  return { total: online + offline + neverSeen, online, offline, 'never-seen': neverSeen };
}

export const listUpdates = async (api: Api): Promise<Page<UpdateView>> =>
  pageOf<UpdateView>(await api.listUpdates());

export const listGroups = async (api: Api): Promise<Page<GroupView>> =>
  pageOf<GroupView>(await api.listGroups());

export const listBaselines = async (api: Api): Promise<Page<BaselineView>> =>
  pageOf<BaselineView>(await api.listBaselines());

/** The first `limit` of a deployment's computers × updates, by hostname, and how many in all. */
export const deploymentComputers = async (
  api: Api,
  id: string,
  limit: number,
): Promise<Page<DeploymentComputerView>> =>
  pageOf<DeploymentComputerView>(await api.listDeploymentComputers(id, { limit }));

/** Statuses that say installed where the scan, since, does not find the update. */
export const listDiscrepancies = async (api: Api): Promise<Page<DiscrepancyView>> =>
  pageOf<DiscrepancyView>(await api.discrepancies());

/** Computers that need investigation: no success within their recurrence interval. */
export const listStale = async (api: Api): Promise<Page<StaleReportRow>> =>
  pageOf<StaleReportRow>(await api.staleReport());
