// Unit tests of benches/stats.mjs: `node --test benches/stats.test.mjs` (run by `cargo xtask test`).

import assert from "node:assert/strict";
import { test } from "node:test";
import { allOf, bootstrap, busyTicks, loadVerdict, median, medianDifference, medianOf, mulberry32, parseProcStat, percentile, RESAMPLES, SEED, treeOf, treeTicks, treeTicksBetween, verdictOf } from "./stats.mjs";

/** n values around `center`, spread by ± `spread`, from their own seeded PRNG. */
function noisy(n, center, spread, seed) {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => center + (random() * 2 - 1) * spread);
}

test("mulberry32 is a seeded stream in [0, 1)", () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(8)));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test("percentile is the nearest rank, as the tables show it", () => {
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(median([4, 1, 3, 2]), 2); // the lower middle of an even count
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  assert.equal(percentile([5], 2.5), 5);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test("the bootstrap is reproducible given its samples, and its interval holds the estimate", () => {
  const a = noisy(100, 210, 15, 1);
  const b = noisy(100, 207, 15, 2);
  const first = medianDifference(a, b);
  assert.deepEqual(medianDifference(a, b), first);
  assert.equal(first.resamples, RESAMPLES);
  assert.equal(first.seed, SEED);
  assert.equal(first.estimate, median(a) - median(b));
  assert.ok(first.low <= first.estimate && first.estimate <= first.high, JSON.stringify(first));
  assert.notDeepEqual(medianDifference(a, b, { seed: SEED + 1 }), first);
  // More resamples of the same samples: about the same interval.
  const more = medianDifference(a, b, { resamples: 8000 });
  assert.ok(Math.abs(more.low - first.low) < 2 && Math.abs(more.high - first.high) < 2, JSON.stringify({ more, first }));
});

test("the interval finds a real shift and brackets no shift", () => {
  const base = noisy(100, 100, 5, 3);
  const shifted = noisy(100, 110, 5, 4);
  const d = medianDifference(shifted, base);
  assert.ok(d.low > 5 && d.high < 15, JSON.stringify(d));
  const same = medianDifference(noisy(100, 100, 5, 5), noisy(100, 100, 5, 6));
  assert.ok(same.low < 0 && same.high > 0, JSON.stringify(same));
  // Wider with fewer samples.
  const few = medianDifference(shifted.slice(0, 10), base.slice(0, 10));
  assert.ok(few.high - few.low > d.high - d.low);
});

test("constant samples give a point interval; empty ones give none", () => {
  assert.deepEqual(
    { ...medianOf([4, 4, 4]) },
    { estimate: 4, low: 4, high: 4, level: 0.95, resamples: RESAMPLES, seed: SEED },
  );
  const none = medianDifference([], [1, 2]);
  assert.ok(Number.isNaN(none.estimate) && Number.isNaN(none.low) && Number.isNaN(none.high));
  assert.ok(Number.isNaN(bootstrap([], median).low));
});

test("the 95 % interval covers the true median about 95 % of the time", () => {
  // 200 experiments of 60 draws from U(0, 10) (median 5): a percentile bootstrap of the median
  // covers it in roughly 90–99 % of them.
  let covered = 0;
  const runs = 200;
  for (let i = 0; i < runs; i++) {
    const ci = medianOf(noisy(60, 5, 5, 1000 + i), { resamples: 500 });
    if (ci.low <= 5 && 5 <= ci.high) covered += 1;
  }
  assert.ok(covered >= 0.88 * runs && covered <= runs, `covered ${covered}/${runs}`);
});

test("met only when the whole interval is within the budget", () => {
  assert.equal(verdictOf({ low: 1, high: 3 }, 5), "met");
  assert.equal(verdictOf({ low: -2, high: 4.99 }, 5), "met");
  assert.equal(verdictOf({ low: 4, high: 6 }, 5), "undecided");
  assert.equal(verdictOf({ low: 3, high: 5 }, 5), "undecided"); // the budget is "below 5"
  assert.equal(verdictOf({ low: 5, high: 7 }, 5), "not met");
  assert.equal(verdictOf({ low: 6, high: 8 }, 5), "not met");
  assert.equal(verdictOf({ low: NaN, high: NaN }, 5), "n/a");
});

test("a budget of several legs is met when every leg is", () => {
  assert.equal(allOf(["met", "met"]), "met");
  assert.equal(allOf(["met", "undecided"]), "undecided");
  assert.equal(allOf(["undecided", "not met"]), "not met");
  assert.equal(allOf(["met", "n/a"]), "n/a");
});

test("a run is loaded when other work ran before it began, or beside it", () => {
  const quiet = loadVerdict({ start: 0.4, samples: [{ atMs: 70_000, load: 3.9, others: 0.1 }], cores: 2 });
  assert.equal(quiet.loaded, false, "the bench's own load average is not other work");
  assert.equal(quiet.threshold, 2);
  assert.equal(quiet.peak.others, 0.1);

  const busyStart = loadVerdict({ start: 2.5, samples: [], cores: 2 });
  assert.equal(busyStart.loaded, true);
  assert.equal(busyStart.startOver, true);

  const busyLater = loadVerdict({ start: 0.5, samples: [{ atMs: 61_000, others: 0.2 }, { atMs: 120_000, others: 1.3 }], cores: 2 });
  assert.equal(busyLater.loaded, true);
  assert.deepEqual(busyLater.over.map((s) => s.atMs), [120_000]);

  // Within the grace the figures still hold the bench's own build: not counted.
  const earlyTail = loadVerdict({ start: 0.5, samples: [{ atMs: 10_000, others: 1.8 }], cores: 2 });
  assert.equal(earlyTail.loaded, false);

  assert.equal(loadVerdict({ start: 3, cores: 4 }).loaded, false);
  assert.equal(loadVerdict({ start: NaN, samples: [], cores: 2 }).loaded, false);
});

test("the bench's own processes are told from the others by their tree", () => {
  const procs = new Map([
    [1, { ppid: 0, ticks: 1000 }],
    [10, { ppid: 1, ticks: 50 }], // cargo xtask (the root)
    [11, { ppid: 10, ticks: 30 }], // the sandbox
    [12, { ppid: 10, ticks: 40 }], // node run.mjs
    [13, { ppid: 12, ticks: 200 }], // chromium
    [20, { ppid: 1, ticks: 500 }], // another build
  ]);
  assert.equal(treeTicks(procs, 10), 320);
  assert.equal(treeTicks(procs, 12), 240);
  assert.equal(treeTicks(procs, 99), 0);
  const line = "4242 (chrome (renderer)) S 12 4242 4242 0 -1 4194560 100 0 0 0 70 30 5 2 20 0 1 0";
  assert.deepEqual(parseProcStat(line), { ppid: 12, ticks: 107 });
  assert.equal(busyTicks("cpu  100 5 50 9000 40 3 2 1 0 0"), 161);
});

test("a process that leaves the bench's tree is not counted as other processes' work", () => {
  const beforeProcs = new Map([[10, { ppid: 1, ticks: 50 }], [12, { ppid: 10, ticks: 40 }], [13, { ppid: 12, ticks: 9000 }]]);
  // Chromium (13) closed and was reaped outside the tree; a new page process (14) started.
  const afterProcs = new Map([[10, { ppid: 1, ticks: 55 }], [12, { ppid: 10, ticks: 60 }], [14, { ppid: 12, ticks: 30 }]]);
  assert.equal(treeTicksBetween(treeOf(beforeProcs, 10), treeOf(afterProcs, 10)), 5 + 20 + 30);
  // Summed and subtracted, the tree would seem to have used less than nothing, and the machine's
  // busy time would all look like other processes' work.
  assert.equal(treeTicks(afterProcs, 10) - treeTicks(beforeProcs, 10), -8945);
});
