import { fork, type ChildProcess } from 'node:child_process';
import { summarize, type StepResult } from './stats.js';
import type { RunCommand, RunResult, WorkerMessage } from './protocol.js';

export type StepOptions = Omit<RunCommand, 'type' | 'id' | 'rate' | 'concurrency' | 'seed'> & {
  /** Total over all load processes. */
  rate: number;
  /** Total over all load processes (closed loop). */
  concurrency: number;
};

export type StepReport = StepResult & {
  scheduled: number;
  dropped: number;
  unfinished: number;
  statuses: Record<string, number>;
  failures: number;
  firstError: string | null;
  /** CPU the load processes used, as a fraction of one core. */
  loadCpuCores: number;
  durationMs: number;
};

/** N forked load-generator processes, each running its share of every step. */
export class LoadFleet {
  private nextId = 1;
  private readonly waiting = new Map<
    string,
    { resolve: (r: RunResult) => void; reject: (e: Error) => void }
  >();

  private constructor(private readonly workers: ChildProcess[]) {
    workers.forEach((worker, index) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') return;
        const key = `${index}:${message.id}`;
        const pending = this.waiting.get(key);
        if (!pending) return;
        this.waiting.delete(key);
        if (message.type === 'result') pending.resolve(message);
        else pending.reject(new Error(`load process ${index}: ${message.message}`));
      });
      worker.on('exit', (code) => {
        for (const [key, pending] of this.waiting) {
          if (key.startsWith(`${index}:`)) {
            this.waiting.delete(key);
            pending.reject(new Error(`load process ${index} exited (${code})`));
          }
        }
      });
    });
  }

  static async start(script: string, count: number): Promise<LoadFleet> {
    const workers = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<ChildProcess>((resolve, reject) => {
            const child = fork(script, [], { serialization: 'advanced', stdio: 'inherit' });
            const timer = setTimeout(() => reject(new Error('load process did not start')), 10_000);
            child.once('error', reject);
            child.once('message', () => {
              clearTimeout(timer);
              resolve(child);
            });
          }),
      ),
    );
    return new LoadFleet(workers);
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid!);
  }

  get size(): number {
    return this.workers.length;
  }

  async step(options: StepOptions): Promise<StepReport> {
    const id = this.nextId++;
    const n = this.workers.length;
    const results = await Promise.all(
      this.workers.map(
        (worker, index) =>
          new Promise<RunResult>((resolve, reject) => {
            this.waiting.set(`${index}:${id}`, { resolve, reject });
            const command: RunCommand = {
              ...options,
              type: 'run',
              id,
              rate: options.rate / n,
              concurrency: Math.max(1, Math.round(options.concurrency / n)),
              seed: id * 7919 + index * 104_729 + 1,
            };
            worker.send(command);
          }),
      ),
    );
    const latencies: number[] = [];
    for (const r of results) for (const x of r.latenciesMs) latencies.push(x);
    const statuses: Record<string, number> = {};
    for (const r of results)
      for (const [code, count] of Object.entries(r.statuses))
        statuses[code] = (statuses[code] ?? 0) + count;
    const sum = (f: (r: RunResult) => number): number => results.reduce((a, r) => a + f(r), 0);
    const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
    const ok = sum((r) => r.ok);
    const nonOk = Object.values(statuses).reduce((a, b) => a + b, 0);
    const failures = sum((r) => r.failures);
    const dropped = sum((r) => r.dropped);
    const unfinished = sum((r) => r.unfinished);
    return {
      offeredRate: options.mode === 'open' ? options.rate : 0,
      achievedRate: ok / (elapsedMs / 1000),
      ok,
      errors: nonOk + failures + dropped + unfinished,
      latency: summarize(latencies),
      scheduled: sum((r) => r.scheduled),
      dropped,
      unfinished,
      statuses,
      failures,
      firstError: results.find((r) => r.firstError)?.firstError ?? null,
      loadCpuCores: sum((r) => r.cpuMs) / elapsedMs,
      durationMs: elapsedMs,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null) return resolve();
            const timer = setTimeout(() => worker.kill('SIGKILL'), 5000);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            worker.send({ type: 'exit' });
          }),
      ),
    );
  }
}
