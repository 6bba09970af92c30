import type { Clock } from '../../domain/clock.js';
import type { Repositories } from '../../store/repositories.js';
import { ContentStore } from '../content/content-store.js';
import { AgentService } from './agent.service.js';
import { AuthService } from './auth.service.js';
import { CatalogService } from './catalog.service.js';
import { ComputerService } from './computer.service.js';
import { DeploymentService } from './deployment.service.js';
import { EnrollmentService } from './enrollment.service.js';
import { GroupService } from './group.service.js';
import { MembershipService } from './membership.service.js';

export type ServiceOptions = {
  clock: Clock;
  contentDir: string;
  checkinIntervalSeconds: number;
};

export type Services = ReturnType<typeof createServices>;

/** Wires each service with only the repositories it uses. */
export function createServices(repos: Repositories, options: ServiceOptions) {
  const { clock } = options;
  const membership = new MembershipService(repos.groups, repos.computers);
  const computers = new ComputerService(repos.computers, repos.groups, repos.statuses);
  const groups = new GroupService(repos.groups, computers, membership, clock);
  return {
    auth: new AuthService(repos.tokens, repos.computers, clock),
    catalog: new CatalogService(repos.updates, repos.blobs, clock),
    content: new ContentStore(options.contentDir),
    computers,
    groups,
    enrollments: new EnrollmentService(
      repos.enrollments,
      repos.computers,
      repos.groups,
      membership,
      clock,
    ),
    deployments: new DeploymentService(repos.deployments, repos.updates, groups, clock),
    agent: new AgentService(
      repos.computers,
      repos.deployments,
      repos.updates,
      repos.statuses,
      membership,
      clock,
      { checkinIntervalSeconds: options.checkinIntervalSeconds },
    ),
  };
}
