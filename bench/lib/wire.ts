import { connect, createServer, type Socket } from 'node:net';
import { Pool } from 'undici';
import { checkinRequest, credential, realCredentialLength } from './fleet.js';
import { learnAnswerTags } from './idle-tags.js';
import { idleCheckinBody } from './protocol.js';
import { untilTaken } from './shed-retry.js';

export type WireCost = {
  checkins: number;
  /** Per idle check-in, HTTP/1.1 keep-alive, headers included (TCP/IP framing excluded). */
  requestBytes: number;
  responseBytes: number;
  requestBodyBytes: number;
  responseBodyBytes: number;
  totalBytes: number;
  /** The bench credential is shorter than a real one; this adds the difference. */
  totalBytesWithRealCredential: number;
};

/**
 * Counts the bytes on the socket: idle check-ins go through a loopback TCP relay that
 * counts both directions, over one keep-alive connection, like an agent's. Each computer
 * has checked in once before (with its whole inventory, not counted), so what is
 * counted is what an idle agent sends and gets: the hash, the tag, a 204.
 */
export async function measureWireCost(
  serverPort: number,
  computers: number,
  checkins = 200,
): Promise<WireCost> {
  let up = 0;
  let down = 0;
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(serverPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => (up += d.length));
    upstream.on('data', (d: Buffer) => (down += d.length));
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1, pipelining: 1 });
  let requestBody = 0;
  let responseBody = 0;
  let credentialChars = 0;
  let shedUp = 0;
  let shedDown = 0;
  const direct = new Pool(`http://127.0.0.1:${serverPort}`, { connections: 4 });
  try {
    const sampled = Array.from({ length: checkins }, (_, k) => (k * 7919) % computers);
    const tags = await learnAnswerTags(direct, computers, 4, [...new Set(sampled)]);
    for (let k = 0; k < checkins; k++) {
      const i = (k * 7919) % computers;
      const body = idleCheckinBody(i, tags[i] ?? '', new Date().toISOString());
      requestBody += Buffer.byteLength(body);
      credentialChars += credential(i).length;
      // A shed answer (503) and its retry are not an idle check-in's cost: their bytes
      // are left out, and the check-in is sent again after its Retry-After.
      let before = { up, down };
      const res = await untilTaken(
        () => {
          before = { up, down };
          return pool.request(checkinRequest(i, body));
        },
        () => {
          shedUp += up - before.up;
          shedDown += down - before.down;
        },
      );
      const text = await res.body.text();
      if (res.statusCode !== 204)
        throw new Error(`idle check-in answered ${res.statusCode}: ${text}`);
      responseBody += Buffer.byteLength(text);
    }
  } finally {
    await direct.destroy();
    await pool.destroy();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
  }
  up -= shedUp;
  down -= shedDown;
  const per = (x: number): number => Math.round(x / checkins);
  const total = per(up + down);
  return {
    checkins,
    requestBytes: per(up),
    responseBytes: per(down),
    requestBodyBytes: per(requestBody),
    responseBodyBytes: per(responseBody),
    totalBytes: total,
    totalBytesWithRealCredential: total + realCredentialLength - per(credentialChars),
  };
}
