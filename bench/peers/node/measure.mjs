// What every peer script shares: its options, the clock, the four measures' loops and the JSON line it prints.
// The measures are those of `conveyor bench` (docs/benchmarks.md), so a peer's line reads like Conveyor's:
//   enqueue_single  N single adds from C lanes, each lane awaiting its add
//   enqueue_bulk    N jobs through the library's bulk call, 1,000 per call, one call at a time
//   process         N queued no-op jobs; from starting a worker with C slots until the store says all are done
//   latency         an idle worker; 200 jobs added 10 ms apart; handler start minus the moment before the add
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';

export const now = () => performance.now();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const fresh = (prefix) => `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** --jobs N --concurrency C --measures a,b --round R --profile P (defaults: 20000, 16, all four, 1, tuned). */
export function options(argv = process.argv.slice(2)) {
  const flags = new Map();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`expected --name value pairs, got ${argv.slice(i).join(' ')}`);
    flags.set(argv[i].slice(2), argv[i + 1]);
  }
  const known = ['jobs', 'concurrency', 'measures', 'round', 'profile', 'latency-jobs', 'latency-gap-ms', 'timeout-s'];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name} (known: ${known.join(', ')})`);
  const int = (name, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
    return n;
  };
  const measures = (flags.get('measures') ?? 'enqueue_single,enqueue_bulk,process,latency').split(',');
  for (const m of measures) if (!['enqueue_single', 'enqueue_bulk', 'process', 'latency'].includes(m)) throw new Error(`unknown measure ${m}`);
  return {
    jobs: int('jobs', flags.get('jobs') ?? 20000),
    concurrency: int('concurrency', flags.get('concurrency') ?? 16),
    measures,
    round: flags.get('round') ?? '1',
    profile: flags.get('profile') ?? 'tuned',
    latencyJobs: int('latency-jobs', flags.get('latency-jobs') ?? 200),
    latencyGapMs: int('latency-gap-ms', flags.get('latency-gap-ms') ?? 10),
    timeoutMs: int('timeout-s', flags.get('timeout-s') ?? 600) * 1000,
  };
}

export const pgUrl = () => required('PEERS_PG_URL');
export const redisUrl = () => required('PEERS_REDIS_URL');
function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench/peers/run.sh sets it)`);
  return value;
}

/** The installed version of a package (read from its package.json: not every package exports it). */
export function version(name) {
  return JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
}

/** One result line on stdout, in the fields of `conveyor bench --json` plus who and which round. */
export function report(system, o, measure, fields) {
  const jobs = measure === 'latency' ? o.latencyJobs : o.jobs;
  process.stdout.write(JSON.stringify({ system, profile: o.profile, round: o.round, measure, jobs, concurrency: o.concurrency, ...fields }) + '\n');
}

/** Calls add(i) for i < total from `lanes` loops, each awaiting its call before the next; returns the seconds taken. */
export async function inLanes(total, lanes, add) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < total; i = next++) await add(i);
  };
  const started = now();
  await Promise.all(Array.from({ length: Math.min(lanes, total) }, lane));
  return (now() - started) / 1000;
}

/** Calls addMany(count) in chunks of 1,000, one after the other; returns the seconds taken. */
export async function inChunks(total, addMany) {
  const started = now();
  for (let done = 0; done < total; done += 1000) await addMany(Math.min(1000, total - done));
  return (now() - started) / 1000;
}

/** Polls check() every `everyMs` until it is true; throws after timeoutMs. */
export async function until(check, timeoutMs, what, everyMs = 5) {
  const deadline = now() + timeoutMs;
  while (!(await check())) {
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A count the handlers raise and a waiter can await. */
export class Tally {
  count = 0;
  #waiters = [];
  add(n = 1) {
    this.count += n;
    this.#waiters = this.#waiters.filter(({ target, resolve }) => (this.count >= target ? (resolve(), false) : true));
  }
  reach(target, timeoutMs, what) {
    if (this.count >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${this.count} of ${target})`)), timeoutMs);
      this.#waiters.push({ target, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }
}

/**
 * The latency measure: started(i) goes first in the handler; run(add) adds job i with add(i) at i × gap ms, each add
 * awaited, and returns p50 and p99 of (handler start − the moment before its add) in ms.
 */
export function latencyProbe(o) {
  const sentAt = new Array(o.latencyJobs);
  const took = [];
  const done = new Tally();
  return {
    started(i) {
      if (sentAt[i] !== undefined && took[i] === undefined) {
        took[i] = now() - sentAt[i];
        done.add();
      }
    },
    async run(add) {
      const t0 = now();
      for (let i = 0; i < o.latencyJobs; i++) {
        const wait = t0 + i * o.latencyGapMs - now();
        if (wait > 0) await sleep(wait);
        sentAt[i] = now();
        await add(i);
      }
      await done.reach(o.latencyJobs, 60000, 'every latency job to start');
      const sorted = took.filter((t) => t !== undefined).sort((a, b) => a - b);
      const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
      return { p50_ms: round2(at(50)), p99_ms: round2(at(99)), samples: sorted.length };
    },
  };
}

export const round2 = (x) => Math.round(x * 100) / 100;
export const round3 = (x) => Math.round(x * 1000) / 1000;
export const rate = (jobs, seconds) => Math.round(jobs / seconds);
