// `watch()` as an async iterator, for the entry's class and the React hook: it runs the wasm
// module's watch engine (`watchChanges`) and hands each status change to `next()`.

/**
 * An async iterator over the changes `start(onChange, stop)` reports until the promise it
 * returns settles. `signal` (the caller's, if any) and leaving the loop (`return()`) abort
 * `stop`; a failure of the watch is thrown by the `next()` after the last change.
 */
export function watchIterator(signal, start) {
  const stop = new AbortController();
  if (signal?.aborted) stop.abort();
  else signal?.addEventListener?.("abort", () => stop.abort(), { once: true });
  const changes = [];
  let wake = () => {};
  let finished = false;
  let failure = null;
  const onChange = (connection) => {
    changes.push(connection);
    wake();
  };
  const running = Promise.resolve()
    .then(() => start(onChange, stop.signal))
    .then(
      () => {},
      (error) => {
        failure = error;
      },
    )
    .finally(() => {
      finished = true;
      wake();
    });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      while (changes.length === 0 && !finished) {
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      if (changes.length > 0) return { value: changes.shift(), done: false };
      if (failure !== null) {
        const error = failure;
        failure = null;
        throw error;
      }
      return { value: undefined, done: true };
    },
    async return() {
      stop.abort();
      await running;
      failure = null;
      changes.length = 0;
      return { value: undefined, done: true };
    },
  };
}
