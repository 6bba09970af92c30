import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../../contracts/api.js';
import type { RouteClass, SheddingLimits } from './admission.js';
import { Gate } from './gate.js';
import { monitorLag } from './lag.js';

/** The gates of a server, one per route class; tests hold slots to fill a class. */
export type Shedder = { gate: (routeClass: RouteClass) => Gate; stop: () => void };

const NAMES: Record<RouteClass, string> = {
  checkin: 'check-ins',
  report: 'reports',
  admin: 'admin calls',
};

export function createShedder(limits: SheddingLimits): Shedder {
  const lag = monitorLag();
  const gates: Record<RouteClass, Gate> = {
    checkin: new Gate(limits.checkin, limits.queueWaitMs, lag.lagMs),
    report: new Gate(limits.report, limits.queueWaitMs, lag.lagMs),
    admin: new Gate(limits.admin, limits.queueWaitMs, lag.lagMs),
  };
  return { gate: (routeClass) => gates[routeClass], stop: lag.stop };
}

/**
 * Sheds before anything else runs (before authentication and body parsing): a request
 * of a full class waits briefly for a slot or is answered 503 at once, with Retry-After
 * and a JSON body. The slot is given back when the answer is sent or the caller goes,
 * whenever it goes (while the request waits, is read or is answered).
 */
export function installShedding(
  app: FastifyInstance,
  shedder: Shedder,
  limits: SheddingLimits,
): void {
  const holding = new WeakMap<FastifyRequest, Gate>();
  const release = (request: FastifyRequest): void => {
    const gate = holding.get(request);
    if (!gate) return;
    holding.delete(request);
    gate.leave();
  };
  app.addHook('onRequest', async (request, reply) => {
    const routeClass = (request.routeOptions.config as { loadClass?: RouteClass | null }).loadClass;
    if (!routeClass) return;
    const gate = shedder.gate(routeClass);
    if (await gate.enter()) {
      // Its caller left while it waited: the slot goes back at once.
      if (reply.raw.destroyed) return gate.leave();
      holding.set(request, gate);
      // 'close' comes after the answer is sent and when the caller goes before it. Node
      // tells no abort for a request whose body was read, and fastify's onResponse waits
      // for an answer that a closed connection never finishes: without it the slot
      // would be held for good.
      reply.raw.once('close', () => release(request));
      return;
    }
    const body: ErrorBody = {
      error: 'overloaded',
      message: `the server is busy with ${NAMES[routeClass]}; retry after ${limits.retryAfterSeconds} s`,
      requestId: request.id,
    };
    return reply.status(503).header('retry-after', String(limits.retryAfterSeconds)).send(body);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    release(request);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    release(request);
    done();
  });
}
