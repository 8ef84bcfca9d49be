// Prints the markdown table of a comparison from its result lines (one JSON object per measure, system and round):
//   node summarize.mjs results.jsonl
// Each cell is the median over the rounds with the lowest and highest in brackets. A ratio is Conveyor's figure over
// the peer's, taken round by round (the two ran minutes apart in the same round): the median ratio, then its range.
// Above 1 Conveyor is faster on a throughput and slower on a latency.
import { readFileSync } from 'node:fs';

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
const conveyor = lines.find((l) => l.system.startsWith('conveyor'))?.system;
if (!conveyor) throw new Error('no conveyor line in the results');
const peers = [...new Set(lines.map((l) => `${l.system}|${l.profile}`))].filter((k) => !k.startsWith(conveyor + '|'));

const rows = [
  ['enqueue_single', 'jobs_per_s', 'single enqueue, jobs/s'],
  ['enqueue_bulk', 'jobs_per_s', 'bulk enqueue, jobs/s'],
  ['process', 'jobs_per_s', 'process, jobs/s'],
  ['latency', 'p50_ms', 'latency p50, ms'],
  ['latency', 'p99_ms', 'latency p99, ms'],
];

/** round → figure, for one system (and profile) and measure. */
function figures(key, measure, field) {
  const [system, profile] = key.split('|');
  const byRound = new Map();
  for (const l of lines) {
    if (l.system === system && (profile === undefined || l.profile === profile) && l.measure === measure && typeof l[field] === 'number') byRound.set(l.round, l[field]);
  }
  return byRound;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const number = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (x) => (x >= 10 ? x.toFixed(0) : x.toFixed(2));
const spread = (xs, show) => (xs.length === 0 ? 'n/a' : xs.length === 1 ? show(xs[0]) : `${show(median(xs))} (${show(Math.min(...xs))}–${show(Math.max(...xs))})`);

const title = (key) => {
  const [system, profile] = key.split('|');
  return `${system} (${profile})`;
};
const out = [];
out.push(`| measure | ${conveyor} | ${peers.map((p) => `${title(p)} | Conveyor / ${p.split(' ')[0]}`).join(' | ')} |`);
out.push(`|---|---|${peers.map(() => '---|---').join('|')}|`);
for (const [measure, field, label] of rows) {
  const own = figures(`${conveyor}|default`, measure, field);
  const cells = [label, spread([...own.values()], number)];
  for (const peer of peers) {
    const theirs = figures(peer, measure, field);
    cells.push(spread([...theirs.values()], number));
    const paired = [...own].filter(([round]) => theirs.has(round)).map(([round, mine]) => mine / theirs.get(round));
    cells.push(paired.length ? `×${spread(paired, ratio)}` : 'n/a');
  }
  out.push(`| ${cells.join(' | ')} |`);
}
const rounds = new Set(lines.map((l) => l.round)).size;
out.push('');
out.push(`${rounds} round(s); each cell: median (lowest–highest). Ratios are Conveyor / peer per round, median (lowest–highest): above 1 Conveyor is faster on throughput, slower on latency.`);
const cut = lines.filter((l) => l.cut_off);
if (cut.length) out.push(`Cut off before every job was done (rate = jobs done / time allowed): ${[...new Set(cut.map((l) => `${l.system} ${l.measure}`))].join(', ')}.`);
console.log(out.join('\n'));
