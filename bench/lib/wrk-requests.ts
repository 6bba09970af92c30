/**
 * The idle check-ins wrk sends, built in TypeScript from the fleet's own functions
 * (fleet.ts and protocol.ts: the same id, credential, headers and body as the Node load
 * generator's), so that bench/wrk/checkin.lua carries no knowledge of the protocol: it
 * picks one of these complete HTTP requests at random for every send.
 */
import { agentUserAgent, checkinBody, computerId, credential } from './fleet.js';

/** Separates the requests in the file (no HTTP/1.1 header or JSON body holds a NUL). */
export const REQUEST_SEPARATOR = '\0';

/**
 * Computer i's check-in as raw HTTP/1.1, keep-alive; `host` as in `127.0.0.1:4321`; by
 * default its whole inventory (a first check-in's body, or an agent's before 0.2).
 */
export function checkinRequest(i: number, host: string, body = checkinBody(i)): string {
  return [
    `POST /agent/v1/computers/${computerId(i)}/checkin HTTP/1.1`,
    `host: ${host}`,
    `user-agent: ${agentUserAgent}`,
    `authorization: Bearer ${credential(i)}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** The requests file for computers 0 … computers-1, computer i's body `bodyOf(i)`. */
export function checkinRequests(
  computers: number,
  host: string,
  bodyOf: (i: number) => string = checkinBody,
): string {
  const requests: string[] = [];
  for (let i = 0; i < computers; i++) {
    const request = checkinRequest(i, host, bodyOf(i));
    if (request.includes(REQUEST_SEPARATOR)) throw new Error(`check-in ${i} holds a NUL byte`);
    requests.push(request);
  }
  return requests.join(REQUEST_SEPARATOR);
}
