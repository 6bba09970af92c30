import type { Coordination } from '../../store/coordination.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { WakeHub, WakeKind } from './wake-hub.js';

type WakeMessage = { deploymentId: string; upToPhase: number | null; reason: string };
/** Ends the push streams of revoked computers, on every replica. */
type DisconnectMessage = { disconnect: string[] };
/** Named computers, told what to do (`scan`: check in and scan now). */
type ComputersMessage = { computerIds: string[]; reason: string; kind: WakeKind };

/** Computer ids per message: a PostgreSQL NOTIFY payload holds under 8000 bytes. */
const IDS_PER_MESSAGE = 100;

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

  /** Wakes these computers wherever they are connected. */
  async wakeComputers(
    computerIds: readonly string[],
    reason: string,
    kind: WakeKind,
  ): Promise<void> {
    for (let i = 0; i < computerIds.length; i += IDS_PER_MESSAGE) {
      const message: ComputersMessage = {
        computerIds: computerIds.slice(i, i + IDS_PER_MESSAGE),
        reason,
        kind,
      };
      await this.coordination.publish(JSON.stringify(message));
    }
  }

  private async deliver(text: string): Promise<void> {
    if (this.hub.connected === 0) return;
    const message = JSON.parse(text) as
      WakeMessage | ComputersMessage | DisconnectMessage | { engine: string } | { reach: unknown };
    if ('engine' in message) return; // for the rollout engine (see engine-loop.ts)
    if ('reach' in message) return; // for the deployments' reach cache (see server.ts)
    if ('disconnect' in message) {
      this.hub.disconnect(message.disconnect);
      return;
    }
    if ('computerIds' in message) {
      this.hub.wake(message.computerIds, message.reason, message.kind);
      return;
    }
    const ids = await this.deployments.computerIds(
      message.deploymentId,
      message.upToPhase ?? undefined,
    );
    this.hub.wake(ids, message.reason);
  }
}
