/** What the simulator scenarios (emergency reach, time-to-compliance) report and take. */
import type { ComplianceBreakdown } from './compliance-breakdown.js';

export type NotMeasured = { measured: false; reason: string };

export type EmergencyReach = {
  measured: true;
  agents: number;
  /** Agents on the push channel (/healthz pushConnected) when the deployment was created. */
  onlineAgents: number;
  simProcesses: number;
  /** Seconds until every agent had enrolled and connected its push stream. */
  connectSeconds: number;
  /** Seconds from deployment creation until 95% of online agents started / installed (the sims' clocks). */
  secondsTo95Started: number | null;
  secondsTo95Installed: number | null;
  /** The same from the server's counts (polled every `pollMs`): 95% out of `pending`, 95% installed. */
  server: {
    secondsTo95Started: number | null;
    secondsTo95Installed: number | null;
    pollMs: number;
  };
};

export type TimeToCompliance = {
  measured: true;
  agents: number;
  faults: string;
  timeScale: number;
  clockOrigin: string;
  checkinIntervalSeconds: number;
  plan: {
    phases: { name: string; percent: number }[];
    soakSeconds: number;
    gatePercent: number;
  };
  installSeconds: number;
  /** The simulator's shortest agent start after its computer comes on, which the bound counts. */
  minBootSeconds: number;
  /** Virtual seconds from creation until 95% of the target reported installed. */
  secondsTo95Installed: number | null;
  /** The earliest possible time to 95% given online moments, windows and gates. */
  lowerBoundSeconds: number | null;
  ratio: number | null;
  /** When each phase opened (virtual seconds after creation), and at the earliest. */
  phaseOpenedSeconds: (number | null)[];
  lowerBoundPhaseOpensSeconds: number[];
  /**
   * When each phase but the last met its gate (its gate share installed, by the server's
   * installedAt; virtual seconds after creation): the next opens at the later of this
   * and the soak's end.
   */
  gateMetSeconds: (number | null)[];
  target: number;
  installed: number;
  realSeconds: number;
  /** Where the time went: per phase and per segment of each computer's install. */
  breakdown: ComplianceBreakdown;
};

export type ScenarioContext = {
  engine: 'sqlite' | 'postgres';
  quick: boolean;
  /** Fleet sizes for the emergency-reach measurement. */
  agents: number[];
  cliEntry: string;
  /** The forked simulator script (dist-bench/bench/sim-worker.js). */
  simWorker: string;
  /** A fresh database in dataDir: its URL for --database (undefined: SQLite in dataDir). */
  freshDatabase: (dataDir: string) => Promise<{ url?: string; drop: () => Promise<void> }>;
  priority: number | null;
  /** Measurement 3's time scale, when not its default (--compliance-time-scale). */
  complianceTimeScale: number | null;
  setPriority: (pids: number[], nice: number) => void;
  log: (line: string) => void;
};
