import { parseRange } from '../../contracts/range.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../domain/errors.js';
import type { Services } from '../services/index.js';

/**
 * The push channel: Server-Sent Events whose one message is "check in now"; its data
 * says why and, as `kind: scan`, that an admin asked for a scan.
 */
export function openWakeStream(
  services: Services,
  computerId: string,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  res.write(': connected\n\n');
  const unsubscribe = services.hub.subscribe(computerId, (reason, kind) => {
    res.write(`event: checkin\ndata: ${JSON.stringify({ reason, kind })}\n\n`);
  });
  // A comment now and then keeps proxies and NAT from closing an idle stream.
  const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
  const stop = () => {
    clearInterval(ping);
    unsubscribe();
    untrack();
    if (!res.writableEnded) res.end();
  };
  const untrack = services.hub.track(stop, computerId);
  req.raw.on('close', stop);
}

/**
 * Content by hash, with Range for resumed downloads. The agent verifies the hash.
 * A computer gets only the files of updates its deployments give it; any other
 * hash is a 404 like a missing one, so an answer never confirms a file exists.
 */
export async function sendContent(
  services: Services,
  computerId: string,
  sha256: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const allowed = await services.agent.mayDownload(computerId, sha256);
  return sendFile(services, 'computer', allowed, sha256, req, reply);
}

/**
 * One stored file by hash, with Range, to a computer or a distribution point that
 * may have it (`allowed`); otherwise the same 404 as a missing one.
 */
export async function sendFile(
  services: Services,
  to: 'computer' | 'distribution-point',
  allowed: boolean,
  sha256: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (!allowed) throw new NotFoundError('content', sha256);
  const size = await services.content.size(sha256);
  if (size === null) throw new NotFoundError('content', sha256);
  reply.header('accept-ranges', 'bytes').type('application/octet-stream');
  const range = parseRange(req.headers.range, size);
  if (req.headers.range && !range) {
    return reply.status(416).header('content-range', `bytes */${size}`).send();
  }
  if (range) {
    reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1);
    services.metrics.contentSent(to, range.end - range.start + 1);
    return reply.send(services.content.open(sha256, range));
  }
  reply.status(200).header('content-length', size);
  services.metrics.contentSent(to, size);
  return reply.send(services.content.open(sha256));
}
