// Runs one operation of the JS class (bound by src/js/mod.rs) for its job (src/js/job.rs): the
// job decides every step, this module does the I/O. It posts through fetch.js with the session
// token, waits, loads Plaid's script (script.js), runs Link (link.js), and ends a step early when
// the app's signal aborts. In JS because futures, timers and callbacks driven from Rust cost the
// npm package an async executor and about 14 KB of wasm.
import { post } from "../quiltt/fetch.js";
import { loadPlaid, plaidReady } from "../plaid/script.js";
import { openLink } from "../plaid/link.js";

// The step kinds of job.rs: a step is `[kind, argument]`, `[POST, body, keepalive]` for a request.
const PRELOAD = 0, POST = 1, SLEEP = 2, AWAIT_SCRIPT = 3, OPEN_LINK = 4, DONE = 5;
// What this module saw of a step, as it tells `job.next(seen, ...)`.
const STARTED = 0, PRELOADED = 1, REPLIED = 2, FAILED = 3, WOKE = 4, SCRIPT_LOADED = 5, LINKED = 6;

// How long a Link closed by force may take to call `onExit` before it is destroyed anyway.
const FORCED_EXIT_GRACE_MS = 5000;

// Resolves after `ms`, unless cleared first.
function timer(ms) {
  let id;
  const elapsed = new Promise((resolve) => (id = setTimeout(resolve, ms)));
  return { elapsed, clear: () => clearTimeout(id) };
}

// The session token: the app's string, or what its function resolves to, a string that is not
// blank; else throws `["token", message]`.
async function sessionToken(token) {
  if (typeof token !== "function") return token;
  let value;
  try {
    value = await token();
  } catch {}
  if (typeof value === "string" && /[^\t\n\f\r ]/.test(value)) return value;
  throw ["token", "the token function threw or did not resolve to a non-empty string"];
}

// A step under way: `done` resolves to a function that hands what was seen to the job and
// returns the next step; `stop()` ends what is in flight when the app's signal aborts first.

// POSTs `body`. A token function is asked once more after a 401, then the request is sent once
// more.
function postStep(job, env, body, keepalive) {
  let exchange, stopped = false;
  const done = (async () => {
    let refreshed = typeof env.token !== "function";
    for (;;) {
      try {
        const token = await sessionToken(env.token);
        if (stopped) return null;
        exchange = post(env.endpoint, `Bearer ${token}`, body, keepalive, env.timeoutMs);
        const reply = await exchange.reply;
        if (reply[0] !== 401 || refreshed) return () => job.next(REPLIED, reply);
        refreshed = true;
      } catch (thrown) {
        return () => job.next(FAILED, thrown);
      }
    }
  })();
  return { done, stop: () => ((stopped = true), exchange?.abort()) };
}

// Opens Link with `token` and waits for `onSuccess` or `onExit`, bounded by `timeoutMs` until
// Link has loaded (once the user is in Link, they take their time). The handler is destroyed
// when Link ends; stopped while Link is open, Link is closed by force first, as Plaid asks.
function linkStep(job, env, token, onEvent) {
  let settle, run, stopped = false;
  const settled = new Promise((resolve) => (settle = resolve));
  try {
    run = openLink(token, settle, onEvent);
  } catch (thrown) {
    return { done: Promise.resolve(() => job.next(LINKED, thrown)), stop() {} };
  }
  const destroy = () => {
    try {
      run.handler.destroy();
    } catch {}
  };
  const load = timer(env.timeoutMs);
  const done = (async () => {
    let outcome = await Promise.race([settled, load.elapsed]);
    if (!outcome && !run.loaded) {
      destroy();
      return () => job.next(LINKED, "load");
    }
    if (!outcome) outcome = await settled;
    load.clear();
    if (stopped) return null;
    destroy();
    return () => job.next(LINKED, ...outcome);
  })();
  const stop = () => {
    stopped = true;
    load.clear();
    if (run.settled || !run.loaded) return destroy();
    try {
      run.handler.exit({ force: true });
    } catch {}
    const grace = timer(FORCED_EXIT_GRACE_MS);
    Promise.race([settled, grace.elapsed]).then(() => (grace.clear(), destroy()));
  };
  return { done, stop };
}

// The step for `[kind, argument, extra]`.
function begin(job, env, [kind, argument, extra], onEvent) {
  switch (kind) {
    case POST:
      return postStep(job, env, argument, extra);
    case SLEEP: {
      const wait = timer(argument);
      return { done: wait.elapsed.then(() => () => job.next(WOKE)), stop: wait.clear };
    }
    case AWAIT_SCRIPT: {
      const loaded = plaidReady(env.scriptUrl, env.timeoutMs);
      return {
        done: loaded.then(
          () => () => job.next(SCRIPT_LOADED),
          (reason) => () => job.next(SCRIPT_LOADED, reason ?? null),
        ),
        stop() {},
      };
    }
    case OPEN_LINK:
      return linkStep(job, env, argument, onEvent);
  }
}

// `done`'s value, or null when `signal` aborts first. The listener goes when the step ends, so a
// long-lived signal keeps nothing alive.
function unlessAborted(done, signal) {
  let onAbort;
  const aborted = new Promise((resolve) => signal.addEventListener("abort", (onAbort = () => resolve(null))));
  return Promise.race([done, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

// Runs `job` to its end and settles with what `job.end()` returns or throws. `env` is
// `{ endpoint, token, scriptUrl, timeoutMs, forwardEvents }`; `signal` may end the job while it is
// cancellable (a reconnect, until Link has succeeded).
export async function drive(job, env, signal) {
  // Later than the call, so reconnect() has registered the flow before it can end.
  await null;
  let live = true;
  const onEvent = env.forwardEvents ? (name, metadata) => live && job.plaidEvent(name, metadata) : undefined;
  try {
    let step = job.next(STARTED);
    for (;;) {
      if (step[0] === DONE) return job.end(false);
      const cancellable = signal != null && job.cancellable();
      if (cancellable && signal.aborted) return job.end(true);
      if (step[0] === PRELOAD) {
        // Plaid's script loads while initialize is in flight; a failure is the next wait's.
        loadPlaid(env.scriptUrl, env.timeoutMs);
        step = job.next(PRELOADED);
        continue;
      }
      const work = begin(job, env, step, onEvent);
      if (!work) return job.end(false);
      const seen = cancellable ? await unlessAborted(work.done, signal) : await work.done;
      if (!seen) {
        work.stop();
        return job.end(true);
      }
      step = seen();
    }
  } finally {
    live = false;
    job.free();
  }
}
