import type { Readable } from 'node:stream';

/** The default chunk of content kept in the database: 1 MiB, a few held in memory at once. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * A body cut into pieces of exactly `bytes` (the last one shorter), read as they are
 * consumed: at most one piece and one incoming buffer are held.
 */
export async function* chunksOf(body: Readable, bytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let length = 0;
  for await (const incoming of body) {
    let buffer = incoming as Buffer;
    while (length + buffer.length >= bytes) {
      const take = bytes - length;
      pending.push(buffer.subarray(0, take));
      yield Buffer.concat(pending);
      buffer = buffer.subarray(take);
      pending = [];
      length = 0;
    }
    if (buffer.length > 0) {
      pending.push(buffer);
      length += buffer.length;
    }
  }
  if (length > 0) yield Buffer.concat(pending);
}
