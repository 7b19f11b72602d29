import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/** Longer than the server's requestTimeout (node-server.ts): by then every request has ended one way or another. */
const DRAIN_LIMIT_MS = 35_000;

/** What one composition of the features serves requests with, and how it is let go. */
export interface Served {
  handler: RequestListener;
  /** Stops its jobs and closes what was built for it; called once no request uses it any more. */
  release(): Promise<void>;
}

export interface Generations<T extends Served> {
  current(): T;
  /** The server's listener: each request goes to the composition current when it arrives, and stays with it. */
  dispatch: RequestListener;
  /** Makes `next` current at once; the previous one is released after its in-flight requests finish. */
  swap(next: T): void;
  /** Releases the current composition and waits for every earlier one to be released too. */
  close(): Promise<void>;
}

interface Tracked<T> {
  served: T;
  inflight: number;
  idle?: () => void;
}

/**
 * Atomic handover between compositions: swapping is one assignment, so a request sees the old
 * composition or the new one, never a mix; a request already running finishes on the one it began
 * on (its provider, its config), and that one's jobs stop only when it is drained.
 */
export function createGenerations<T extends Served>(first: T): Generations<T> {
  let current: Tracked<T> = { served: first, inflight: 0 };
  const releasing = new Set<Promise<void>>();

  function release(old: Tracked<T>): void {
    const done = drained(old)
      .then(() => old.served.release())
      .catch(() => undefined)
      .finally(() => releasing.delete(done));
    releasing.add(done);
  }

  return {
    current: () => current.served,
    dispatch(req: IncomingMessage, res: ServerResponse) {
      const serving = current;
      serving.inflight++;
      // The composition rides on the response and one shared listener lets it go: no closure per request.
      (res as TaggedResponse)[SERVING] = serving;
      res.on('close', requestClosed);
      return serving.served.handler(req, res);
    },
    swap(next) {
      const old = current;
      current = { served: next, inflight: 0 };
      release(old);
    },
    async close() {
      release(current);
      await Promise.all([...releasing]);
    },
  };
}

const SERVING = Symbol('serving composition');
type TaggedResponse = ServerResponse & { [SERVING]?: Tracked<unknown> };

/** A response is closed once (finished or aborted): its composition has one request fewer in flight. */
function requestClosed(this: TaggedResponse): void {
  const serving = this[SERVING];
  if (!serving) return;
  this[SERVING] = undefined;
  if (--serving.inflight === 0) serving.idle?.();
}

function drained(g: Tracked<unknown>): Promise<void> {
  if (g.inflight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, DRAIN_LIMIT_MS);
    timer.unref();
    g.idle = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}
