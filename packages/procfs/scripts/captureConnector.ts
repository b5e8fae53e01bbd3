/**
 * Refreshes test/fixtures/connector.json: `npm run fixtures:connector -w @pidscope/procfs` (as
 * root, in the host's namespaces).
 *
 * It subscribes to the proc connector through NetlinkSocket, runs a known scenario for real, and
 * keeps the raw datagrams that concern it, as hex, with what the scenario knows independently:
 * - `sh -c '…'` started by this process, which renames itself (comm), runs
 *   `setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true` (fork, exec, uid, gid, exec,
 *   exit) and exits with status 3;
 * - `node -e '…'` that starts one worker thread (forks whose child is a thread: pid ≠ tgid).
 * Review the diff before committing: the test asserts these facts, not the parser's output.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  connectorRequest,
  NetlinkSocket,
  type ProcEvent,
  parseConnectorMessages,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../test/fixtures/connector.json');

const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const RENAMED = 'renamed';
const UID = 65534;
const EXIT_STATUS = 3;

const socket = NetlinkSocket.open(NETLINK_CONNECTOR, CN_IDX_PROC, 8 << 20);
const buf = Buffer.alloc(64 * 1024);
const datagrams: { hex: string; events: ProcEvent[] }[] = [];
const drain = () => {
  for (;;) {
    const n = socket.receive(buf);
    if (n === 'empty') return;
    if (n === 'overrun') throw new Error('events were lost during the capture: run it again');
    datagrams.push({ hex: buf.toString('hex', 0, n), events: parseConnectorMessages(buf, n) });
  }
};
socket.watch(drain);
const ack = randomInt(1, 0x7fffffff);
socket.send(connectorRequest('listen', ack));
await delay(200);

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<void>((done) => child.once('exit', () => done()));
const sh = spawn(
  'sh',
  [
    '-c',
    `printf ${RENAMED} > /proc/$$/comm; setpriv --reuid=${UID} --regid=${UID} --clear-groups /bin/true; exit ${EXIT_STATUS}`,
  ],
  { stdio: 'ignore' },
);
await exited(sh);
const node = spawn(
  process.execPath,
  ['-e', "new (require('node:worker_threads').Worker)('0', { eval: true })"],
  { stdio: 'ignore' },
);
await exited(node);
await delay(300);
drain();
socket.close();

const shPid = sh.pid as number;
const nodePid = node.pid as number;
// The scenario's processes: sh, node, and what sh forked.
const ours = new Set([shPid, nodePid]);
for (const d of datagrams) {
  for (const e of d.events) if (e.kind === 'fork' && e.parentTgid === shPid) ours.add(e.childTgid);
}
const concerns = (e: ProcEvent): boolean => {
  if (e.kind === 'ack') return e.ack === ack + 1;
  if (e.kind === 'fork') return ours.has(e.childTgid);
  return e.kind !== 'other' && ours.has(e.tgid);
};
const kept = datagrams.filter((d) => d.events.some(concerns)).map((d) => d.hex);

const fixture = {
  facts: {
    ack: ack + 1,
    capturePid: process.pid,
    shPid,
    nodePid,
    renamed: RENAMED,
    uid: UID,
    shExitCode: EXIT_STATUS << 8,
  },
  datagrams: kept,
};
writeFileSync(out, `${JSON.stringify(fixture, null, 2)}\n`);
console.log(`wrote ${kept.length} datagrams to ${out}`);
