import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeploymentLiveView } from '../../contracts/api.js';
import type { Services } from '../services/index.js';

/** Real milliseconds between two looks at a watched deployment's counts and state. */
export const LIVE_POLL_MS = 1000;

/**
 * GET /api/v1/deployments/:id/live: a `deployment` event with the detail and the events
 * at once, then again whenever the deployment's brief (state, phases, counts: aggregate
 * queries, no computers) changes. It reads the database, so a change made on another
 * replica, or by the engine on the leader, reaches every watcher within one poll.
 */
export async function openDeploymentLive(
  services: Services,
  id: string,
  req: FastifyRequest,
  reply: FastifyReply,
  pollMs = LIVE_POLL_MS,
): Promise<void> {
  // An unknown deployment is a 404 before the stream opens.
  let mark = JSON.stringify(await services.deployments.brief(id));
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let stopped = false;
  let busy = false;
  const send = async () => {
    const view: DeploymentLiveView = {
      deployment: await services.deployments.show(id),
      // The newest 200 events, oldest first: a timeline, not the whole history.
      events: (
        await services.deploymentActions.listEvents(id, { limit: 200, sort: 'at', order: 'desc' })
      ).items.reverse(),
    };
    if (!stopped) res.write(`event: deployment\ndata: ${JSON.stringify(view)}\n\n`);
  };
  const look = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const next = JSON.stringify(await services.deployments.brief(id));
      if (next !== mark) {
        mark = next;
        await send();
      }
    } catch (error) {
      // The watcher is told in words; the stream stays open for the next look.
      const message = error instanceof Error ? error.message : String(error);
      if (!stopped) res.write(`event: problem\ndata: ${JSON.stringify({ message })}\n\n`);
    } finally {
      busy = false;
    }
  };
  const poll = setInterval(() => void look(), pollMs);
  // A comment now and then keeps proxies from closing an idle stream.
  const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
  const stop = () => {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    clearInterval(ping);
    untrack();
    if (!res.writableEnded) res.end();
  };
  const untrack = services.hub.track(stop);
  req.raw.on('close', stop);
  try {
    await send();
  } catch {
    stop();
  }
}
