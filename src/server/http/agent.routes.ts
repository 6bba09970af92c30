import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  agentPaths,
  checkinRequest,
  enrollRequest,
  reportsRequest,
} from '../../contracts/agent-protocol.js';
import { sha256Hex } from '../../contracts/manifest.js';
import { parseOrThrow } from '../../contracts/parse.js';
import { NotFoundError } from '../../domain/errors.js';
import type { Services } from '../services/index.js';
import { bearerToken, requireComputer } from './auth.js';

const computerParam = z.object({ id: z.string().min(1) });
const shaParam = z.object({ sha256: sha256Hex });

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null {
  const match = header ? /^bytes=(\d+)-(\d*)$/.exec(header) : null;
  if (!match) return null;
  const start = Number(match[1]);
  const end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : null;
}

/** The agent protocol: each call after enrollment is authenticated as one computer. */
export function registerAgentRoutes(app: FastifyInstance, services: Services): void {
  app.post(agentPaths.enroll, async (req, reply) =>
    reply
      .status(201)
      .send(await services.enrollments.enroll(parseOrThrow(enrollRequest, req.body))),
  );

  app.post('/agent/v1/computers/:id/checkin', async (req) => {
    const computer = await requireComputer(
      services.auth,
      req,
      parseOrThrow(computerParam, req.params).id,
    );
    return services.agent.checkin(computer, parseOrThrow(checkinRequest, req.body));
  });

  app.post('/agent/v1/computers/:id/reports', async (req) => {
    const { id } = await requireComputer(
      services.auth,
      req,
      parseOrThrow(computerParam, req.params).id,
    );
    return services.agent.report(id, parseOrThrow(reportsRequest, req.body).reports);
  });

  // The push channel: Server-Sent Events whose only message is "check in now".
  app.get('/agent/v1/computers/:id/wake', async (req, reply) => {
    const { id } = await requireComputer(
      services.auth,
      req,
      parseOrThrow(computerParam, req.params).id,
    );
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write(': connected\n\n');
    const unsubscribe = services.hub.subscribe(id, (reason) => {
      res.write(`event: checkin\ndata: ${JSON.stringify({ reason })}\n\n`);
    });
    // A comment now and then keeps proxies and NAT from closing an idle stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 25_000);
    const stop = () => {
      clearInterval(ping);
      unsubscribe();
      untrack();
      if (!res.writableEnded) res.end();
    };
    const untrack = services.hub.track(stop);
    req.raw.on('close', stop);
  });

  // Content by hash, with Range for resumed downloads. The agent verifies the hash.
  app.get('/agent/v1/content/:sha256', async (req, reply) => {
    await services.auth.computer(bearerToken(req));
    const { sha256 } = parseOrThrow(shaParam, req.params);
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
      return reply.send(services.content.open(sha256, range));
    }
    reply.header('content-length', size);
    return reply.send(services.content.open(sha256));
  });
}
