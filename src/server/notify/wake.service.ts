import { systemClock } from '../../clock.js';
import type { Coordination } from '../../store/coordination.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';
import type { WakeHub, WakeKind } from './wake-hub.js';

/** A deployment's computers to wake: of one phase (just opened), or all (null). */
type WakeMessage = { deploymentId: string; phase: number | null; reason: string };
/** Ends the push streams of revoked computers, on every replica. */
type DisconnectMessage = { disconnect: string[] };
/** Named computers, told what to do (`scan`: check in and scan now). */
type ComputersMessage = { computerIds: string[]; reason: string; kind: WakeKind };

/** Computer ids per message: a PostgreSQL NOTIFY payload holds under 8000 bytes. */
const IDS_PER_MESSAGE = 100;

/** Placements read per query while waking a deployment: memory stays flat at any size. */
const IDS_PER_PAGE = 500;

/**
 * Wake-ups per second from one replica by default: each woken agent checks in at once,
 * so a phase of a million computers woken in one go would fill the check-in gate (16
 * in flight, 32 queued) many times over, and the refused agents would come back later,
 * on their backoff. 2,000/s is about what one replica answers at p99 < 100 ms
 * (docs/performance.md): 10,000 connected computers are all told within 5 s.
 */
export const DEFAULT_WAKES_PER_SECOND = 2_000;

/**
 * Wakes a deployment's computers wherever they are connected: the message goes to
 * every replica (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite) and each wakes
 * the computers it holds.
 */
export class WakeService {
  constructor(
    private readonly hub: WakeHub,
    private readonly deployments: Pick<DeploymentRepository, 'computerIdsPage'>,
    private readonly coordination: Coordination,
    private readonly log: (error: unknown) => void = () => undefined,
    private readonly wakesPerSecond = DEFAULT_WAKES_PER_SECOND,
    /** Waits this many real milliseconds (the pace of a long wake-up); tests may hurry it. */
    private readonly pause: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    coordination.onMessage((text) => {
      void this.deliver(text).catch(this.log);
    });
  }

  /**
   * Wakes the deployment's computers: only those of `phase` when given (it just opened:
   * the earlier phases' computers have their assignment already), else all of them (a
   * halt, a rollback, an emergency).
   */
  async wakeDeployment(deploymentId: string, reason: string, phase?: number): Promise<void> {
    const message: WakeMessage = { deploymentId, phase: phase ?? null, reason };
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
    await this.wakePlaced(message);
  }

  /**
   * Walks the placements a page at a time and wakes those connected here, at most
   * `wakesPerSecond`: the first page at once, the rest paced on the real clock.
   */
  private async wakePlaced(message: WakeMessage): Promise<void> {
    const started = systemClock.now();
    let woken = 0;
    let after: string | undefined;
    for (;;) {
      const ids = await this.deployments.computerIdsPage(message.deploymentId, {
        phase: message.phase ?? undefined,
        after,
        limit: IDS_PER_PAGE,
      });
      if (ids.length === 0 || this.hub.connected === 0) return;
      woken += this.hub.wake(ids, message.reason);
      after = ids[ids.length - 1];
      if (ids.length < IDS_PER_PAGE) return;
      const ahead = (woken / this.wakesPerSecond) * 1000 - (systemClock.now() - started);
      if (ahead > 0) await this.pause(ahead);
    }
  }
}
