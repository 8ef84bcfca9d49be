// Reads `conveyor bench --json` lines on stdin and prints them with the fields the peers' lines carry:
//   conveyor bench … --json | node label.mjs SYSTEM ROUND
import { createInterface } from 'node:readline';

const [system, round] = process.argv.slice(2);
if (!system || !round) throw new Error('usage: node label.mjs SYSTEM ROUND');
for await (const line of createInterface({ input: process.stdin })) {
  if (!line.startsWith('{')) continue;
  process.stdout.write(JSON.stringify({ system, profile: 'default', round, ...JSON.parse(line) }) + '\n');
}
