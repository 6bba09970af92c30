/**
 * The rollout queries joined the deployment repository (one repository per
 * aggregate); this name stays for code written against it.
 */
export { DeploymentRepository as RolloutRepository } from './deployment.repository.js';
