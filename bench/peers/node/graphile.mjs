// Graphile Worker on the PostgreSQL of PEERS_PG_URL, each measure on a schema of its own (migrated before the
// clock starts, dropped after).  node graphile.mjs [--jobs 20000] [--concurrency 16] [--profile tuned|default] …
//
// tuned:   the settings of Graphile Worker's performance page (worker.graphile.org/docs/performance) at C slots:
//          concurrentJobs C, maxPoolSize C + 2, a local queue of 500 jobs, completions and failures batched with
//          no delay. Its throughput comes from the local queue: a worker fetches up to 500 jobs ahead of its slots.
// default: concurrentJobs C, everything else as the library ships it.
import pg from 'pg';
import { run, makeWorkerUtils, Logger } from 'graphile-worker';
import { options, pgUrl, version, report, inLanes, inChunks, until, Tally, latencyProbe, now, sleep, fresh, rate, round3 } from './measure.mjs';

const o = options();
const system = `graphile-worker ${version('graphile-worker')}`;
const url = pgUrl();
// Its default logger writes a line per job, which would cost more than the job.
const logger = new Logger(() => (level, message) => {
  if (level === 'error' || level === 'warning') console.error(`graphile ${level}: ${message}`);
});

function worker(schema) {
  const settings = { connectionString: url, schema, concurrentJobs: o.concurrency, logger };
  if (o.profile === 'tuned') {
    Object.assign(settings, { maxPoolSize: o.concurrency + 2, localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 });
  } else if (o.profile !== 'default') {
    throw new Error(`unknown profile ${o.profile} (tuned, default)`);
  }
  return { preset: { worker: settings }, noHandleSignals: true };
}

const admin = new pg.Pool({ connectionString: url, max: 2 });
const drop = (schema) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
const queued = async (schema) => (await admin.query(`SELECT count(*)::int AS n FROM "${schema}"._private_jobs`)).rows[0].n;

async function utilities(schema, poolSize) {
  const utils = await makeWorkerUtils({ connectionString: url, schema, maxPoolSize: poolSize, logger });
  await utils.migrate();
  return utils;
}

async function enqueueSingle() {
  const schema = fresh('graphile');
  const utils = await utilities(schema, o.concurrency + 2);
  await admin.query('CHECKPOINT');
  const seconds = await inLanes(o.jobs, o.concurrency, () => utils.addJob('noop', {}));
  report(system, o, 'enqueue_single', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  await utils.release();
  await drop(schema);
}

async function enqueueBulkThenProcess(measures) {
  const schema = fresh('graphile');
  const utils = await utilities(schema, 4);
  await admin.query('CHECKPOINT');
  const seconds = await inChunks(o.jobs, (count) => utils.addJobs(Array.from({ length: count }, () => ({ identifier: 'noop', payload: {} }))));
  if (measures.includes('enqueue_bulk')) report(system, o, 'enqueue_bulk', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  await utils.release();
  if (measures.includes('process')) {
    const waiting = await queued(schema);
    if (waiting !== o.jobs) throw new Error(`expected ${o.jobs} queued jobs, found ${waiting}`);
    await admin.query('CHECKPOINT');
    const ran = new Tally();
    const started = now();
    const runner = await run({ ...worker(schema), taskList: { noop: async () => ran.add() } });
    await ran.reach(o.jobs, o.timeoutMs, 'every job to run');
    // Done means gone from the store: completions are batched after the handler returns.
    await until(async () => (await queued(schema)) === 0, 60000, 'every job to leave the store');
    const took = (now() - started) / 1000;
    report(system, o, 'process', { jobs_per_s: rate(o.jobs, took), seconds: round3(took) });
    await runner.stop();
  }
  await drop(schema);
}

async function latency() {
  const schema = fresh('graphile');
  const utils = await utilities(schema, 4);
  const probe = latencyProbe(o);
  const runner = await run({ ...worker(schema), taskList: { noop: async (payload) => probe.started(payload.i) } });
  await sleep(1000); // idle, as a worker waiting for work
  const figures = await probe.run((i) => utils.addJob('noop', { i }));
  report(system, o, 'latency', figures);
  await runner.stop();
  await utils.release();
  await drop(schema);
}

try {
  if (o.measures.includes('enqueue_single')) await enqueueSingle();
  if (o.measures.includes('enqueue_bulk') || o.measures.includes('process')) await enqueueBulkThenProcess(o.measures);
  if (o.measures.includes('latency')) await latency();
} finally {
  await admin.end();
}
