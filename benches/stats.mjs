// The statistics of benches/run.mjs: percentiles, a seeded bootstrap of the p50 (and of the
// difference of two p50s) with a percentile interval, the budget verdict read from that
// interval, and the rule that marks a run on a loaded machine as indicative.
// Tested by benches/stats.test.mjs (`node --test benches/stats.test.mjs`, run by
// `cargo xtask test`). See benches/README.md.

/** Resamples per interval. */
export const RESAMPLES = 2000;
/** The interval's coverage. */
export const LEVEL = 0.95;
/** The PRNG's seed: the same samples always give the same interval. */
export const SEED = 22;

/**
 * The 1-minute load average above which the machine counts as loaded, per core
 * (`os.cpus().length`): above 1 × the core count, more tasks were ready to run than there were
 * cores, so the measured code waited for a CPU some of the time.
 */
export const LOAD_PER_CORE = 1;
/**
 * Samples taken during the run count only this long after its start: until then the 1-minute
 * load average still carries the bench's own build (`cargo xtask bench` builds the package and
 * the sandbox just before), which the load at the start, taken before that build, does not.
 */
export const LOAD_GRACE_MS = 60_000;

/** mulberry32: a small, fast 32-bit PRNG; returns a function giving floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The nearest-rank percentile `p` (0–100) of `xs`; NaN when empty. */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs) => percentile(xs, 50);

/** `xs` drawn again with replacement, as many values. */
function resample(xs, random) {
  const out = new Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(random() * xs.length)];
  return out;
}

/**
 * A percentile bootstrap: `statistic(...samples)` on the samples as measured (the estimate),
 * then on `resamples` draws of every sample, each resampled with replacement on its own; the
 * interval is the draws' (1 − level)/2 and (1 + level)/2 percentiles. Any empty sample gives NaN.
 */
export function bootstrap(samples, statistic, { resamples = RESAMPLES, level = LEVEL, seed = SEED } = {}) {
  const base = { level, resamples, seed };
  if (!samples.length || samples.some((s) => !s?.length)) return { estimate: NaN, low: NaN, high: NaN, ...base };
  const random = mulberry32(seed);
  const draws = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) draws[i] = statistic(...samples.map((s) => resample(s, random)));
  draws.sort();
  const tail = ((1 - level) / 2) * 100;
  return {
    estimate: statistic(...samples),
    low: percentile(draws, tail),
    high: percentile(draws, 100 - tail),
    ...base,
  };
}

/** p50 of `a` − p50 of `b`, with its bootstrap interval (both samples resampled). */
export const medianDifference = (a, b, options) => bootstrap([a, b], (x, y) => median(x) - median(y), options);

/** p50 of `a`, with its bootstrap interval. */
export const medianOf = (a, options) => bootstrap([a], median, options);

/**
 * The verdict on a budget "below `budget`" read from an interval: "met" when all of it is
 * below, "not met" when none of it is (the interval at or above the budget), "undecided" when
 * it straddles the budget (the samples can't tell), "n/a" without an interval.
 */
export function verdictOf({ low, high }, budget) {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return "n/a";
  if (high < budget) return "met";
  if (low >= budget) return "not met";
  return "undecided";
}

/** Several verdicts that must all hold: one "not met" decides, then one "undecided" or "n/a". */
export function allOf(verdicts) {
  for (const v of ["not met", "n/a", "undecided"]) if (verdicts.includes(v)) return v;
  return "met";
}

/**
 * The CPU other processes may use during the run, in cores, before an interval counts as loaded:
 * what runs outside the bench's own processes (its Node, its Chromium, the sandbox, `cargo xtask`
 * itself). The bench's own browsers push the 1-minute load average above the core count of a
 * small machine by themselves, so the load average can't tell other work from the bench's.
 */
export const OTHERS_MAX_CORES = 0.5;

/**
 * Whether the machine was loaded. `start` is the 1-minute load average at the start (before the
 * bench's own build when `cargo xtask bench` passes it); `samples` are `{ atMs, load, others }`
 * taken during the run (atMs since its start; `others`: the cores' worth of CPU that processes
 * outside the bench's used since the previous sample), `cores` the core count. Loaded when the
 * start is above LOAD_PER_CORE × cores (other work was running before the bench began), or when
 * a sample at least LOAD_GRACE_MS into the run has `others` above OTHERS_MAX_CORES. Returns
 * `{ loaded, threshold, othersMax, startOver, peak, over }`: `peak` the sample with the most
 * other work, `over` the samples above the limit.
 */
export function loadVerdict({ start, samples = [], cores, perCore = LOAD_PER_CORE, graceMs = LOAD_GRACE_MS, othersMax = OTHERS_MAX_CORES }) {
  const threshold = perCore * cores;
  const startOver = Number.isFinite(start) && start > threshold;
  const counted = samples.filter((s) => s.atMs >= graceMs && Number.isFinite(s.others));
  const over = counted.filter((s) => s.others > othersMax);
  const peak = counted.reduce((m, s) => (m === null || s.others > m.others ? s : m), null);
  return { loaded: startOver || over.length > 0, threshold, othersMax, startOver, peak, over };
}

/**
 * The process `root` and every process below it, from a `/proc` snapshot `procs` (pid →
 * `{ ppid, ticks }`, `ticks` its own user and system time plus its reaped children's): pid →
 * ticks.
 */
export function treeOf(procs, root) {
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const tree = new Map();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    if (tree.has(pid) || !procs.has(pid)) continue;
    tree.set(pid, procs.get(pid).ticks);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** The CPU time, in clock ticks, of the process `root` and every process below it. */
export function treeTicks(procs, root) {
  let sum = 0;
  for (const ticks of treeOf(procs, root).values()) sum += ticks;
  return sum;
}

/**
 * The clock ticks a process tree used between two of its snapshots (`treeOf`), process by
 * process: a process new in `after` counts whole (it started in between), one gone from it
 * counts nothing more. Summing the two trees and subtracting would count a process that left
 * the tree (a browser closed and reaped outside it) as a drop of the tree's time, and so as
 * other processes' work: seen as 47 cores of "others" on a 2-core machine.
 */
export function treeTicksBetween(before, after) {
  let used = 0;
  for (const [pid, ticks] of after) used += Math.max(0, ticks - (before.get(pid) ?? 0));
  return used;
}

/** A line of `/proc/<pid>/stat` as `{ ppid, ticks }` (utime + stime + cutime + cstime). */
export function parseProcStat(line) {
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const n = (i) => Number(fields[i]) || 0;
  return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

/** The busy clock ticks of the whole machine from `/proc/stat`'s first line (all but idle and iowait). */
export function busyTicks(statLine) {
  const [user, nice, system, , , irq, softirq, steal] = statLine.trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + (irq || 0) + (softirq || 0) + (steal || 0);
}
