/**
 * Where each computer's first install spent its time, on the virtual clock: when its
 * computer last came on and its agent started after that boot, when the push channel
 * last woke it, when the cycle that ran the install started and the server answered its
 * check-in, how many cycles that took, when the install command started and ended, and
 * when the server acknowledged its `installed` report. The benchmark reads it
 * (`Fleet.timeline()`) to split time-to-compliance into segments.
 */

/** One computer's steps towards its first install, virtual epoch ms (0: none). */
export interface InstallSteps {
  /** The computer last came on before the install (0: on since the simulation started). */
  cameOnAt: number;
  /** Its agent started after that boot (0: no boot since the start). */
  agentStartedAt: number;
  /** The push channel last woke it before the install's cycle (0: never). */
  wokenAt: number;
  cycleStartedAt: number;
  /** The server answered that cycle's check-in. */
  checkedInAt: number;
  /** Cycles since the last wake or boot, the install's included (more than 1: retries). */
  cycles: number;
  installStartedAt: number;
  installEndedAt: number;
  /** The server acknowledged the `installed` report. */
  installedReportedAt: number;
}

/** Per computer, typed arrays (a process holds 100,000 computers). */
export class InstallTimeline {
  private readonly cameOn: Float64Array;
  private readonly agentStarted: Float64Array;
  private readonly woken: Float64Array;
  private readonly cycleStarted: Float64Array;
  private readonly checkedIn: Float64Array;
  private readonly cycleCount: Float64Array;
  /** The same six, frozen when the first install starts. */
  private readonly atInstall: Float64Array[];
  private readonly installStarted: Float64Array;
  private readonly installEnded: Float64Array;
  private readonly reportedInstalled: Float64Array;

  constructor(readonly size: number) {
    const a = () => new Float64Array(size);
    this.cameOn = a();
    this.agentStarted = a();
    this.woken = a();
    this.cycleStarted = a();
    this.checkedIn = a();
    this.cycleCount = a();
    this.atInstall = [a(), a(), a(), a(), a(), a()];
    this.installStarted = a();
    this.installEnded = a();
    this.reportedInstalled = a();
  }

  /** The computer is off until `onAt`; its agent starts at `agentAt` (after the boot). */
  boots(i: number, onAt: number, agentAt: number): void {
    this.cameOn[i] = onAt;
    this.agentStarted[i] = agentAt;
    this.cycleCount[i] = 0;
  }

  /** The computer's last boot so far (virtual epoch ms; 0: none). */
  lastBoot(i: number): { cameOnAt: number; agentStartedAt: number } {
    return { cameOnAt: this.cameOn[i] ?? 0, agentStartedAt: this.agentStarted[i] ?? 0 };
  }

  wake(i: number, at: number): void {
    this.woken[i] = at;
    this.cycleCount[i] = 0;
  }

  cycle(i: number, at: number): void {
    this.cycleStarted[i] = at;
    this.checkedIn[i] = 0;
    this.cycleCount[i] = (this.cycleCount[i] ?? 0) + 1;
  }

  /** The server answered a check-in (the first of the cycle counts). */
  checkin(i: number, at: number): void {
    if (this.checkedIn[i] === 0) this.checkedIn[i] = at;
  }

  installStart(i: number, at: number): void {
    if (this.installStarted[i] !== 0) return;
    this.installStarted[i] = at;
    const now = [
      this.cameOn,
      this.agentStarted,
      this.woken,
      this.cycleStarted,
      this.checkedIn,
      this.cycleCount,
    ];
    now.forEach((from, k) => ((this.atInstall[k] as Float64Array)[i] = from[i] as number));
  }

  /** The first install command ended (whatever its exit code). */
  installEnd(i: number, at: number): void {
    if (this.installEnded[i] === 0 && this.installStarted[i] !== 0) this.installEnded[i] = at;
  }

  installedReported(i: number, at: number): void {
    if (this.reportedInstalled[i] === 0) this.reportedInstalled[i] = at;
  }

  steps(i: number): InstallSteps {
    const [cameOn, agentStarted, woken, cycleStarted, checkedIn, cycles] = this.atInstall as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    return {
      cameOnAt: cameOn[i] ?? 0,
      agentStartedAt: agentStarted[i] ?? 0,
      wokenAt: woken[i] ?? 0,
      cycleStartedAt: cycleStarted[i] ?? 0,
      checkedInAt: checkedIn[i] ?? 0,
      cycles: cycles[i] ?? 0,
      installStartedAt: this.installStarted[i] ?? 0,
      installEndedAt: this.installEnded[i] ?? 0,
      installedReportedAt: this.reportedInstalled[i] ?? 0,
    };
  }
}
