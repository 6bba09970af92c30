import { fork, type ChildProcess } from 'node:child_process';
import type { InstallSteps } from '../../src/sim/fleet.js';
import type { SimPush, SimReply, SimRequest, SimStartOptions, SimStats } from './sim-protocol.js';

/** A request without its id (distributed over the union). */
type Body = SimRequest extends infer R ? (R extends SimRequest ? Omit<R, 'id'> : never) : never;

/** One forked simulator process (bench/sim-worker.ts), driven by request and reply. */
export class SimProcess {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: SimReply) => void; reject: (e: Error) => void }
  >();

  private constructor(readonly child: ChildProcess) {
    child.on('message', (reply: SimReply) => {
      const pending = this.waiting.get(reply.id);
      if (!pending) return;
      this.waiting.delete(reply.id);
      if (reply.type === 'error') pending.reject(new Error(`sim process: ${reply.message}`));
      else pending.resolve(reply);
    });
    child.on('exit', (code) => {
      for (const [id, pending] of this.waiting) {
        this.waiting.delete(id);
        pending.reject(new Error(`sim process exited (${code})`));
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  static fork(script: string): Promise<SimProcess> {
    return new Promise((resolve, reject) => {
      const child = fork(script, [], { serialization: 'advanced', stdio: 'inherit' });
      child.once('error', reject);
      child.once('message', () => resolve(new SimProcess(child)));
      child.once('exit', (code) => reject(new Error(`sim process exited (${code}) before ready`)));
    });
  }

  private ask(body: Body): Promise<SimReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...body, id });
    });
  }

  async start(options: SimStartOptions): Promise<number> {
    const r = await this.ask({ type: 'start', options });
    if (r.type !== 'started') throw new Error(`sim process: unexpected ${r.type}`);
    return r.startMs;
  }

  /** How many times each computer ran an install command. */
  async runs(): Promise<{ hostname: string; installRuns: number }[]> {
    const r = await this.ask({ type: 'runs' });
    if (r.type !== 'runs') throw new Error(`sim process: unexpected ${r.type}`);
    return r.computers;
  }

  /** Each computer's steps towards its first install (virtual epoch ms; 0: none). */
  async timeline(): Promise<({ hostname: string } & InstallSteps)[]> {
    const r = await this.ask({ type: 'timeline' });
    if (r.type !== 'timeline') throw new Error(`sim process: unexpected ${r.type}`);
    return r.computers;
  }

  async stats(): Promise<SimStats> {
    const r = await this.ask({ type: 'stats' });
    if (r.type !== 'stats') throw new Error(`sim process: unexpected ${r.type}`);
    return r;
  }

  async reset(): Promise<void> {
    await this.ask({ type: 'reset' });
  }

  async push(): Promise<SimPush> {
    const r = await this.ask({ type: 'push' });
    if (r.type !== 'push') throw new Error(`sim process: unexpected ${r.type}`);
    return r;
  }

  /** Stops the fleet (bounded) and ends the process. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) {
      await Promise.race([
        this.ask({ type: 'stop' }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 15_000)),
      ]);
    }
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
