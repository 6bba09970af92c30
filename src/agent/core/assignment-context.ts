import type { Inventory } from '../../contracts/inventory.js';
import type { PointSource } from '../../contracts/distribution.js';
import type { FailureReason, ReportedState } from '../../domain/status.js';
import type { Host } from './host.js';
import type { Installer } from './installer.js';
import type { AgentMemory } from './memory.js';
import type { AgentCredential, ServerClient } from './server-client.js';

/** What a handler says about one step; the cycle turns it into an outbox report. */
export interface Step {
  state: ReportedState;
  reason?: FailureReason;
  exitCode?: number | null;
  output?: string | null;
  message?: string;
}

export interface AssignmentContext {
  host: Host;
  installer: Installer;
  client: ServerClient;
  auth: AgentCredential;
  inventory: Inventory;
  /** The distribution points of its site from the last check-in, in the order to try. */
  points?: readonly PointSource[];
  memory: AgentMemory;
  saveMemory(): Promise<void>;
  /** The injected clock: policies, schedules and deadlines are judged by it. */
  now(): Date;
  report(step: Step): Promise<void>;
  /**
   * The agent switched versions (the `agent` kind): end the cycle and restart, so the
   * launcher starts the version it now points at. Absent: nothing can restart it.
   */
  restartAgent?(message: string): void;
}

/** How an assignment ended this cycle, for the log and for pruning content. */
export type AssignmentEnd = ReportedState | 'awaiting-reboot';
