// pg-boss on the PostgreSQL of PEERS_PG_URL, each measure on a pg-boss schema of its own (installed before the clock
// starts, dropped after).  node pgboss.mjs [--jobs 20000] [--concurrency 16] [--profile tuned|default] …
//
// tuned:   C polling workers (localConcurrency) each fetching up to 16 jobs per round trip and handing them to one
//          handler call, fetching again at once while batches come back full; LISTEN/NOTIFY wakes idle workers
//          (useListenNotify, queue notify: true, both poll intervals at their 0.5 s minimum); pool of C + 4.
// default: localConcurrency C, everything else as the library ships it (a 2 s wait after every fetch: ~C/2 jobs/s,
//          so `process` is cut off by --timeout-s and reports the jobs done by then).
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { options, pgUrl, version, report, inLanes, inChunks, until, Tally, latencyProbe, now, sleep, fresh, rate, round3 } from './measure.mjs';

const o = options();
const system = `pg-boss ${version('pg-boss')}`;
const url = pgUrl();
const queue = 'noop';

function profile() {
  if (o.profile === 'default') return { boss: {}, queue: {}, work: { localConcurrency: o.concurrency } };
  if (o.profile === 'tuned') {
    return {
      boss: { max: o.concurrency + 4, useListenNotify: true },
      queue: { notify: true },
      work: { localConcurrency: o.concurrency, batchSize: 16, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
    };
  }
  throw new Error(`unknown profile ${o.profile} (tuned, default)`);
}
const settings = profile();

const admin = new pg.Pool({ connectionString: url, max: 2 });
const drop = (schema) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
const unfinished = async (schema) =>
  (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1 AND state <> 'completed'`, [queue])).rows[0].n;

async function start(schema, pool) {
  const boss = new PgBoss({ connectionString: url, schema, ...settings.boss, ...(pool ? { max: pool } : {}) });
  boss.on('error', (e) => console.error(`pg-boss error: ${e.message}`));
  await boss.start();
  await boss.createQueue(queue, settings.queue);
  return boss;
}
const stop = (boss) => boss.stop({ graceful: false, timeout: 1000 });

async function enqueueSingle() {
  const schema = fresh('pgboss');
  const boss = await start(schema, Math.max(o.concurrency + 2, settings.boss.max ?? 10));
  await admin.query('CHECKPOINT');
  const seconds = await inLanes(o.jobs, o.concurrency, () => boss.send(queue, {}));
  report(system, o, 'enqueue_single', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  await stop(boss);
  await drop(schema);
}

async function enqueueBulkThenProcess(measures) {
  const schema = fresh('pgboss');
  const producer = await start(schema);
  await admin.query('CHECKPOINT');
  const seconds = await inChunks(o.jobs, (count) => producer.insert(queue, Array.from({ length: count }, () => ({ data: {} }))));
  if (measures.includes('enqueue_bulk')) report(system, o, 'enqueue_bulk', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  await stop(producer);
  if (measures.includes('process')) {
    const waiting = await unfinished(schema);
    if (waiting !== o.jobs) throw new Error(`expected ${o.jobs} queued jobs, found ${waiting}`);
    const boss = await start(schema); // its start-up (schema check, queue cache) is not timed
    await admin.query('CHECKPOINT');
    const ran = new Tally();
    const started = now();
    await boss.work(queue, settings.work, async (jobs) => ran.add(jobs.length));
    let complete = true;
    try {
      await ran.reach(o.jobs, o.timeoutMs, 'every job to run');
      await until(async () => (await unfinished(schema)) === 0, 60000, 'every job completed in the store');
    } catch (e) {
      if (o.profile !== 'default') throw e;
      complete = false;
    }
    const took = (now() - started) / 1000;
    const done = o.jobs - (complete ? 0 : await unfinished(schema));
    report(system, o, 'process', { jobs_per_s: rate(done, took), seconds: round3(took), ...(complete ? {} : { cut_off: true }) });
    await stop(boss);
  }
  await drop(schema);
}

async function latency() {
  const schema = fresh('pgboss');
  const boss = await start(schema);
  const probe = latencyProbe(o);
  await boss.work(queue, settings.work, async (jobs) => { for (const job of jobs) probe.started(job.data.i); });
  await sleep(1000); // idle, as a worker waiting for work
  const figures = await probe.run((i) => boss.send(queue, { i }));
  report(system, o, 'latency', figures);
  await stop(boss);
  await drop(schema);
}

try {
  if (o.measures.includes('enqueue_single')) await enqueueSingle();
  if (o.measures.includes('enqueue_bulk') || o.measures.includes('process')) await enqueueBulkThenProcess(o.measures);
  if (o.measures.includes('latency')) await latency();
} finally {
  await admin.end();
}
