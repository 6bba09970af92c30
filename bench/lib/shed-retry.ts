import type { Dispatcher } from 'undici';

/** How long to wait before sending a shed request again: its Retry-After, at most 10 s. */
export function retryAfterMs(headers: Dispatcher.ResponseData['headers']): number {
  const value = Number(headers['retry-after']);
  return Number.isFinite(value) && value >= 0 ? Math.min(value, 10) * 1000 : 1000;
}

/**
 * Sends a request until the server takes it, as an agent does: a `503` (shed by the
 * server's load shedding) is read to its end, then sent again after its Retry-After,
 * up to `attempts` times. `shed` is called with each refused answer (e.g. to leave its
 * bytes out of a count); the first answer that is not a 503 is returned unread.
 */
export async function untilTaken(
  send: () => Promise<Dispatcher.ResponseData>,
  shed: () => void = () => undefined,
  attempts = 30,
): Promise<Dispatcher.ResponseData> {
  for (let attempt = 1; ; attempt++) {
    const res = await send();
    if (res.statusCode !== 503 || attempt >= attempts) return res;
    await res.body.text();
    shed();
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs(res.headers)));
  }
}
