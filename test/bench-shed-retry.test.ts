import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { retryAfterMs, untilTaken } from '../bench/lib/shed-retry.js';

describe("the bench's retry of a shed request", () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('sends it again after Retry-After until it is taken, reporting each shed answer', async () => {
    let seen = 0;
    const server = createServer((_req, res) => {
      seen += 1;
      if (seen <= 2) res.writeHead(503, { 'retry-after': '0' }).end('{"error":"overloaded"}');
      else res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    closers.push(
      () => pool.destroy(),
      () => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    let shed = 0;
    const res = await untilTaken(
      () => pool.request({ method: 'POST', path: '/', body: '{}' }),
      () => (shed += 1),
    );
    expect(res.statusCode).toBe(204);
    expect(shed).toBe(2);
    expect(seen).toBe(3);
  });

  it('gives the last answer back after its attempts, and reads Retry-After in seconds', async () => {
    const server = createServer((_req, res) => res.writeHead(503, { 'retry-after': '0' }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    closers.push(
      () => pool.destroy(),
      () => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    const res = await untilTaken(() => pool.request({ method: 'GET', path: '/' }), undefined, 3);
    expect(res.statusCode).toBe(503);
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after': '600' })).toBe(10_000);
    expect(retryAfterMs({})).toBe(1000);
  });
});
