import type { Pool } from 'undici';
import { checkinRequest } from './fleet.js';
import { firstCheckinBody } from './protocol.js';
import { untilTaken } from './shed-retry.js';

/**
 * The tag of each computer's idle answer, learnt by checking in once with the whole
 * inventory, as an agent does the first time: afterwards its check-ins are idle ones
 * (idleCheckinBody); a shed check-in is sent again after its Retry-After; '' from a server that tags nothing (before 0.2). Computers 0 … count-1 (or those named), `concurrency` at a time.
 */
export async function learnAnswerTags(
  pool: Pool,
  count: number,
  concurrency = 32,
  only?: readonly number[],
): Promise<string[]> {
  const tags: string[] = new Array<string>(count);
  const todo = only ?? Array.from({ length: count }, (_, i) => i);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const i = todo[next++] ?? 0;
      const res = await untilTaken(() => pool.request(checkinRequest(i, firstCheckinBody(i))));
      const answer = (await res.body.json()) as { answerTag?: string };
      if (res.statusCode !== 200)
        throw new Error(`first check-in of computer ${i}: HTTP ${res.statusCode}`);
      // A server before idle answers gives no tag: its agents send the whole inventory.
      tags[i] = answer.answerTag ?? '';
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return tags;
}
