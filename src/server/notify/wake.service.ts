import type { Coordination } from '../../store/coordination.js';
import type { RolloutRepository } from '../../store/rollout.repository.js';
import type { WakeHub } from './wake-hub.js';

type WakeMessage = { deploymentId: string; upToPhase: number | null; reason: string };

/**
 * Wakes a deployment's computers wherever they are connected: the message goes to
 * every replica (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite) and each wakes
 * the computers it holds.
 */
export class WakeService {
  constructor(
    private readonly hub: WakeHub,
    private readonly rollout: RolloutRepository,
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

  private async deliver(text: string): Promise<void> {
    if (this.hub.connected === 0) return;
    const message = JSON.parse(text) as WakeMessage | { engine: string };
    if ('engine' in message) return; // for the rollout engine (see engine-loop.ts)
    const ids = await this.rollout.computerIds(
      message.deploymentId,
      message.upToPhase ?? undefined,
    );
    this.hub.wake(ids, message.reason);
  }
}
