import type { Transport } from './client-core.js';
import { ConnectionError } from './errors.js';

/** The browser's transport (the web console): `fetch`, same origin or any URL it may call. */
export function fetchTransport(fetchImpl: typeof fetch = (...a) => fetch(...a)): Transport {
  return async ({ method, url, base, headers, body, binary }) => {
    let res: Response;
    try {
      // JSON text, or a Blob (a file the console uploads), sent as it is.
      res = await fetchImpl(url, { method, headers, body: body as RequestInit['body'] });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(`cannot reach the server at ${base || 'this address'}: ${why}`);
    }
    if (binary && res.status < 400 && res.body) {
      // A download: the body as it arrives (ReadableStream is async-iterable where fetch runs).
      return {
        status: res.status,
        text: '',
        stream: res.body as unknown as AsyncIterable<Uint8Array>,
      };
    }
    return { status: res.status, text: await res.text() };
  };
}
