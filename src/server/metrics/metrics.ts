import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { tallyDeployment, tallyPhases } from '../../domain/deployment/counts.js';
import { offlineAfterMs } from '../../domain/computer-health.js';
import { statusStates } from '../../domain/status.js';
import type { Clock } from '../../domain/clock.js';
import type { AnalysisRepository } from '../../store/analysis.repository.js';
import type { DeploymentRepository } from '../../store/deployment.repository.js';

/**
 * The server's metrics in the Prometheus text format (`GET /metrics`), on a registry
 * of its own (several servers may share a process: the tests, the simulator). What
 * the database knows (computers by health, statuses of the active deployments) is
 * read when scraped; check-ins and engine ticks are observed as they happen; the
 * event loop's delay is sampled every 10 ms and told for the time since the last scrape.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  private readonly checkins: Counter<'code'>;
  private readonly contentBytes: Counter<'to'>;
  private readonly contentChunks: Counter<'from'>;
  private readonly contentCorrupt: Counter;
  private readonly checkinSeconds: Histogram;
  private readonly tickSeconds: Histogram;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    analysis: AnalysisRepository,
    deployments: DeploymentRepository,
    clock: Clock,
    checkinIntervalSeconds: number,
    /** Computers with a status that needs investigation (stale); absent: not counted. */
    staleComputers?: () => Promise<number>,
  ) {
    const registers = [this.registry];
    const loop = this.loopDelay;
    loop.enable();
    new Gauge({
      name: 'ringmaster_event_loop_delay_seconds',
      help: 'Time between two runs of a timer due every 10 ms in the event loop (so 0.01 at best), since the previous scrape: p50, p99 and max',
      labelNames: ['stat'],
      registers,
      collect() {
        const empty = loop.count === 0;
        this.set({ stat: 'p50' }, empty ? 0 : loop.percentile(50) / 1e9);
        this.set({ stat: 'p99' }, empty ? 0 : loop.percentile(99) / 1e9);
        this.set({ stat: 'max' }, empty ? 0 : loop.max / 1e9);
        loop.reset();
      },
    });
    new Gauge({
      name: 'ringmaster_computers',
      help: 'Enrolled computers (not revoked) by health: online, offline, never-seen; stale: those of them with a status that needs investigation',
      labelNames: ['health'],
      registers,
      async collect() {
        const onlineSince = clock.now() - offlineAfterMs(checkinIntervalSeconds);
        const counts = await analysis.computerHealthCounts(onlineSince);
        this.reset();
        for (const [health, n] of Object.entries(counts)) this.set({ health }, n);
        if (staleComputers) this.set({ health: 'stale' }, await staleComputers());
      },
    });
    new Gauge({
      name: 'ringmaster_deployment_statuses',
      help: 'Computer x update pairs of each active deployment by status state (placed computers)',
      labelNames: ['deployment', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const d of await deployments.inStates(['active'])) {
          const rows = await deployments.phaseCounts(d.id);
          const counts = tallyDeployment(
            tallyPhases(d.plan.phases.length, rows, d.plan.maxAttempts),
            0,
          );
          for (const state of statusStates) this.set({ deployment: d.id, state }, counts[state]);
        }
      },
    });
    this.checkins = new Counter({
      name: 'ringmaster_checkins_total',
      help: 'Check-ins answered by this server, by HTTP status code',
      labelNames: ['code'],
      registers,
    });
    this.contentBytes = new Counter({
      name: 'ringmaster_content_bytes_sent_total',
      help: 'Bytes of content answers this server began to send, to computers or to distribution points',
      labelNames: ['to'],
      registers,
    });
    this.contentChunks = new Counter({
      name: 'ringmaster_content_chunks_read_total',
      help: "Chunks of content read for downloads (PostgreSQL): from this replica's cache or from the database",
      labelNames: ['from'],
      registers,
    });
    this.contentCorrupt = new Counter({
      name: 'ringmaster_content_cache_corrupt_total',
      help: 'Cached copies of content found not to match their SHA-256, removed and not served',
      registers,
    });
    this.checkinSeconds = new Histogram({
      name: 'ringmaster_checkin_duration_seconds',
      help: 'Time to answer a check-in (any status code)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.tickSeconds = new Histogram({
      name: 'ringmaster_engine_tick_duration_seconds',
      help: 'Time of one rollout engine tick on the leader',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  /** A check-in was answered with `code` after `seconds`. */
  checkin(code: number, seconds: number): void {
    this.checkins.inc({ code: String(code) });
    this.checkinSeconds.observe(seconds);
  }

  /** A content answer of `bytes` is being sent. */
  contentSent(to: 'computer' | 'distribution-point', bytes: number): void {
    this.contentBytes.inc({ to }, bytes);
  }

  /** A chunk of content was read for a download (PostgreSQL). */
  contentChunkRead(from: 'cache' | 'database'): void {
    this.contentChunks.inc({ from });
  }

  contentCacheCorrupt(): void {
    this.contentCorrupt.inc();
  }

  engineTick(ms: number): void {
    this.tickSeconds.observe(ms / 1000);
  }

  /** Stops sampling the event loop (the server is closing). */
  stop(): void {
    this.loopDelay.disable();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
