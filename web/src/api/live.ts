import { createParser } from 'eventsource-parser';
import { deploymentLiveView, type DeploymentLiveView } from '../../../src/contracts/api.js';
import { deploymentRoutes } from '../../../src/contracts/deployment-routes.js';
import { pathOf } from '../../../src/contracts/route.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * Follows GET /api/v1/deployments/:id/live. EventSource cannot send an Authorization
 * header, so the stream is read with fetch (the token stays out of URLs and logs) and
 * parsed as Server-Sent Events. It reconnects after a drop; `stop` ends it.
 */
export function watchDeployment(
  token: string,
  id: string,
  onView: (view: DeploymentLiveView) => void,
  onState: (state: LiveState, problem?: string) => void,
): () => void {
  const abort = new AbortController();
  let retry: ReturnType<typeof setTimeout> | undefined;
  const url = pathOf(deploymentRoutes.watchDeployment, [id]);

  const connect = async (): Promise<void> => {
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!res.ok || !res.body) throw new Error(`the server answered ${res.status}`);
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === 'problem') {
            onState('reconnecting', (JSON.parse(event.data) as { message: string }).message);
            return;
          }
          if (event.event !== 'deployment') return;
          const parsed = deploymentLiveView.safeParse(JSON.parse(event.data));
          if (parsed.success) {
            onState('live');
            onView(parsed.data);
          }
        },
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      throw new Error('the stream ended');
    } catch (error) {
      if (abort.signal.aborted) return;
      onState('reconnecting', error instanceof Error ? error.message : String(error));
      retry = setTimeout(() => void connect(), 2000);
    }
  };
  onState('connecting');
  void connect();
  return () => {
    abort.abort();
    if (retry !== undefined) clearTimeout(retry);
  };
}
