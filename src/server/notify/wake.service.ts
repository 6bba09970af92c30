import type { Coordination } from '../../store/coordination.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { WakeHub } from './wake-hub.js';

type WakeMessage = { deploymentId: string; upToPhase: number | null; reason: string };
/** Ends the push streams of revoked computers, on every replica. */
type DisconnectMessage = { disconnect: string[] };

/**
 * Wakes a deployment's computers wherever they are connected: the message goes to
 * every replica (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite) and each wakes
 * the computers it holds.
 */
export class WakeService {
  constructor(
    private readonly hub: WakeHub,
    private readonly deployments: Pick<DeploymentRepository, 'computerIds'>,
    private readonly coordination: Coordination,
    private readonly log: (error: unknown) => void = () => undefined,
  ) {
    coordination.onMessage((text) => {
      void this.deliver(text).catch(this.log);
    });
  }

  async wakeDeployment(deploymentId: string, reason: string, upToPhase?: number): Promise<void> {
    const message: WakeMessage = { deploymentId, upToPhase: upToPhase ?? null, reason };
    await this.coordination.publish(JSON.stringify(message));
  }

  /** A revoked credential loses its push stream at once, wherever it is held. */
  async disconnect(computerIds: string[]): Promise<void> {
    const message: DisconnectMessage = { disconnect: computerIds };
    await this.coordination.publish(JSON.stringify(message));
  }

  private async deliver(text: string): Promise<void> {
    if (this.hub.connected === 0) return;
    const message = JSON.parse(text) as WakeMessage | DisconnectMessage | { engine: string };
    if ('engine' in message) return; // for the rollout engine (see engine-loop.ts)
    if ('disconnect' in message) {
      this.hub.disconnect(message.disconnect);
      return;
    }
    const ids = await this.deployments.computerIds(
      message.deploymentId,
      message.upToPhase ?? undefined,
    );
    this.hub.wake(ids, message.reason);
  }
}
