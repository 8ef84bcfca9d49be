// BullMQ on the Redis of PEERS_REDIS_URL (redis://host:port), each measure on a queue of its own, obliterated after.
//   node bullmq.mjs [--jobs 20000] [--concurrency 16] [--profile tuned|default] …
//
// tuned:   one Worker with concurrency C that deletes a job once it completed (removeOnComplete: { count: 0 }, the
//          production guide's advice); BullMQ has no other throughput setting for one worker.
// default: one Worker with concurrency C; completed jobs stay in Redis.
// A job counts as processed at the worker's 'completed' event, emitted once Redis has recorded the completion.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { options, redisUrl, version, report, inLanes, inChunks, Tally, latencyProbe, now, sleep, fresh, rate, round3 } from './measure.mjs';

const o = options();
const system = `bullmq ${version('bullmq')}`;
const url = redisUrl();
const clients = [];
function client() {
  // BullMQ needs a client that never gives up on a command (maxRetriesPerRequest: null).
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  clients.push(redis);
  return redis;
}

function workerSettings() {
  if (o.profile === 'tuned') return { concurrency: o.concurrency, removeOnComplete: { count: 0 } };
  if (o.profile === 'default') return { concurrency: o.concurrency };
  throw new Error(`unknown profile ${o.profile} (tuned, default)`);
}
workerSettings();

async function freshQueue() {
  const queue = new Queue(fresh('bench'), { connection: client() });
  await queue.waitUntilReady();
  return queue;
}
async function remove(queue) {
  await queue.obliterate({ force: true });
  await queue.close();
}
function startWorker(queue, handler) {
  const worker = new Worker(queue.name, handler, { connection: client(), ...workerSettings() });
  worker.on('error', (e) => console.error(`bullmq worker error: ${e.message}`));
  return worker;
}

async function enqueueSingle() {
  const queue = await freshQueue();
  const seconds = await inLanes(o.jobs, o.concurrency, () => queue.add('noop', {}));
  report(system, o, 'enqueue_single', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  await remove(queue);
}

async function enqueueBulkThenProcess(measures) {
  const queue = await freshQueue();
  const seconds = await inChunks(o.jobs, (count) => queue.addBulk(Array.from({ length: count }, () => ({ name: 'noop', data: {} }))));
  if (measures.includes('enqueue_bulk')) report(system, o, 'enqueue_bulk', { jobs_per_s: rate(o.jobs, seconds), seconds: round3(seconds) });
  if (measures.includes('process')) {
    const { wait } = await queue.getJobCounts('wait');
    if (wait !== o.jobs) throw new Error(`expected ${o.jobs} waiting jobs, found ${wait}`);
    const completed = new Tally();
    const started = now();
    const worker = startWorker(queue, async () => {});
    worker.on('completed', () => completed.add());
    await completed.reach(o.jobs, o.timeoutMs, 'every job completed');
    const took = (now() - started) / 1000;
    report(system, o, 'process', { jobs_per_s: rate(o.jobs, took), seconds: round3(took) });
    await worker.close();
  }
  await remove(queue);
}

async function latency() {
  const queue = await freshQueue();
  const probe = latencyProbe(o);
  const worker = startWorker(queue, async (job) => probe.started(job.data.i));
  await worker.waitUntilReady();
  await sleep(1000); // idle, blocked waiting for work
  const figures = await probe.run((i) => queue.add('noop', { i }));
  report(system, o, 'latency', figures);
  await worker.close();
  await remove(queue);
}

try {
  if (o.measures.includes('enqueue_single')) await enqueueSingle();
  if (o.measures.includes('enqueue_bulk') || o.measures.includes('process')) await enqueueBulkThenProcess(o.measures);
  if (o.measures.includes('latency')) await latency();
} finally {
  for (const redis of clients) await redis.quit().catch(() => {});
}
