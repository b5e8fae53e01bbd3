import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AuditEntry, SignalAnswer, type SubtreeMember } from '@pidscope/protocol';
import { Compile } from 'typebox/compile';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { childrenOf, commOf, ppidOf, stateOf, statusField } from '../helpers/proc.js';
import { auth, isGone, startAgent, startTimeOf, type TestAgent, waitFor } from './helpers.js';

let agent: TestAgent;
/** Every process a test made, by identity: what is left of them is killed after each test. */
const made: { pid: number; startTime: number }[] = [];
const roots: ChildProcess[] = [];

beforeAll(async () => {
  agent = await startAgent();
});

afterEach(() => {
  for (const { pid, startTime } of made.splice(0)) {
    if (!isGone(pid, startTime)) process.kill(pid, 'SIGKILL');
  }
  for (const r of roots.splice(0)) if (r.exitCode === null && r.signalCode === null) r.kill();
});

afterAll(async () => {
  await agent?.close();
});

function post(pid: number, body: unknown, dryRun = false) {
  return agent.app.inject({
    method: 'POST',
    url: `/api/v1/processes/${pid}/signal${dryRun ? '?dryRun=1' : ''}`,
    headers: { 'content-type': 'application/json', ...auth },
    payload: JSON.stringify(body),
  });
}

const TERM_BIT = 1n << 14n;
const ignoresTerm = (pid: number) =>
  (BigInt(`0x${statusField(pid, 'SigIgn') ?? '0'}`) & TERM_BIT) !== 0n;

/**
 * A tree of seven processes under a shell that waits (root):
 * - A `sleep` (exits, reaped by root);
 * - B `sh` that waits, with C and D `sleep` (exit, reaped by B);
 * - E `sleep` that ignores SIGTERM and never calls wait(), with F `sleep`, left by the shell E
 *   was before its exec: F exits and stays E's zombie; E outlives root and is adopted.
 */
async function makeTree() {
  const root = spawn(
    'sh',
    [
      '-c',
      `sleep 600 &
sh -c 'sleep 600 & sleep 600 & wait' &
sh -c 'sleep 600 & trap "" TERM; exec sleep 600' &
wait`,
    ],
    { stdio: 'ignore' },
  );
  roots.push(root);
  const rootPid = root.pid as number;
  const rootStart = startTimeOf(rootPid);
  made.push({ pid: rootPid, startTime: rootStart });
  const tree = await waitFor('the tree of seven', () => {
    const kids = childrenOf(rootPid);
    if (kids.length !== 3) return null;
    const b = kids.find((k) => commOf(k) === 'sh' && childrenOf(k).length === 2);
    const e = kids.find((k) => ignoresTerm(k) && commOf(k) === 'sleep');
    const a = kids.find((k) => k !== b && k !== e && commOf(k) === 'sleep');
    const f = e ? childrenOf(e)[0] : undefined;
    if (!a || !b || !e || !f || commOf(f) !== 'sleep') return null;
    const [c, d] = childrenOf(b) as [number, number];
    if (commOf(c) !== 'sleep' || commOf(d) !== 'sleep') return null;
    return { root: rootPid, a, b, c, d, e, f };
  });
  for (const pid of Object.values(tree)) {
    if (pid !== rootPid) made.push({ pid, startTime: startTimeOf(pid) });
  }
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    root.once('exit', (_code, signal) => resolve(signal)),
  );
  return { ...tree, rootStart, exited };
}

const answers = Compile(SignalAnswer);

/** What becomes of the tree's seven in either order: root, A, B, C, D exit; F a zombie; E lives. */
const TREE_FATES = { members: 7, exits: 5, zombies: 1, survives: 1, killed: 0 };

const byPid = (members: readonly SubtreeMember[]) => new Map(members.map((m) => [m.pid, m]));

/** What /proc says became of the members: gone, a zombie, or alive, counted as the preview does. */
function observed(members: readonly SubtreeMember[]) {
  let exits = 0;
  let zombies = 0;
  let survives = 0;
  for (const m of members) {
    if (isGone(m.pid, m.startTime)) exits++;
    else if (stateOf(m.pid) === 'Z') zombies++;
    else survives++;
  }
  return { exits, zombies, survives };
}

const alive = (pids: number[]) => pids.every((p) => stateOf(p) === 'S');

describe('[R8] a subtree signal refuses and sends nothing', () => {
  it('400 BAD_ORDER for an unknown order, and for an order without a subtree', async () => {
    const t = await makeTree();
    const bad = await post(t.root, {
      signal: 'SIGKILL',
      startTime: t.rootStart,
      subtree: true,
      order: 'sideways',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('BAD_ORDER');
    const alone = await post(t.root, {
      signal: 'SIGKILL',
      startTime: t.rootStart,
      order: 'root-first',
    });
    expect(alone.statusCode).toBe(400);
    expect(alone.json()).toMatchObject({ code: 'BAD_ORDER' });
    expect(alive([t.root, t.a, t.b, t.c, t.d, t.e, t.f])).toBe(true);
  });

  it('409 for a stale start time and 404 for a PID that does not exist', async () => {
    const t = await makeTree();
    const stale = await post(t.root, {
      signal: 'SIGKILL',
      startTime: t.rootStart - 1,
      subtree: true,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({
      code: 'STALE_START_TIME',
      detail: { currentStartTime: t.rootStart },
    });
    const none = await post(4_000_000, { signal: 'SIGKILL', startTime: 1, subtree: true });
    expect(none.statusCode).toBe(404);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive([t.root, t.a, t.b, t.c, t.d, t.e, t.f])).toBe(true);
  });

  it('403 for a subtree that holds a process pidscope never signals, naming it; the rest untouched', async () => {
    const root = spawn('sh', ['-c', `bash -c 'exec -a runc sleep 600' & sleep 600 & wait`], {
      stdio: 'ignore',
    });
    roots.push(root);
    const rootPid = root.pid as number;
    made.push({ pid: rootPid, startTime: startTimeOf(rootPid) });
    const [runc, other] = await waitFor('runc and sleep', () => {
      const kids = childrenOf(rootPid);
      const r = kids.find((k) => commOf(k) === 'sleep' && ppidOf(k) === rootPid && isRunc(k));
      const o = kids.find((k) => k !== r && commOf(k) === 'sleep');
      return r && o ? [r, o] : null;
    });
    made.push({ pid: runc, startTime: startTimeOf(runc) });
    made.push({ pid: other, startTime: startTimeOf(other) });
    const res = await post(rootPid, {
      signal: 'SIGKILL',
      startTime: startTimeOf(rootPid),
      subtree: true,
    });
    expect(res.statusCode).toBe(403);
    const body = res.json();
    expect(body.code).toBe('CONTAINER_RUNTIME');
    expect(body.message).toContain('nothing was sent');
    expect(body.detail.refused).toEqual([
      expect.objectContaining({ pid: runc, code: 'CONTAINER_RUNTIME' }),
    ]);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive([rootPid, runc, other])).toBe(true);
  });

  it("403 for a subtree holding the agent, and for the host's PID 1 (sent SIGCONT: harmless if it went)", async () => {
    const parent = await post(process.ppid, {
      signal: 'SIGCONT',
      startTime: startTimeOf(process.ppid),
      subtree: true,
    });
    expect(parent.statusCode).toBe(403);
    expect(parent.json().code).toBe('AGENT_ANCESTOR');
    expect(parent.json().detail.refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pid: process.ppid, code: 'AGENT_ANCESTOR' }),
        expect.objectContaining({ pid: process.pid, code: 'AGENT_ITSELF' }),
      ]),
    );
    const init = await post(1, { signal: 'SIGCONT', startTime: startTimeOf(1), subtree: true });
    expect(init.statusCode).toBe(403);
    expect(init.json().code).toBe('HOST_INIT');
    expect(init.json().detail.refused[0]).toMatchObject({ pid: 1, code: 'HOST_INIT' });
  });
});

/** A `sleep` run as `runc` (argv[0]): the guard takes it for the container runtime. */
function isRunc(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('runc\0');
  } catch {
    return false;
  }
}

describe('[R8] a subtree signal, previewed then sent: the preview is what /proc shows after', () => {
  it('leaves-first: children exit under their parents; E survives, is adopted; F stays its zombie', async () => {
    const t = await makeTree();
    const body = { signal: 'SIGTERM', startTime: t.rootStart, subtree: true };
    const dry = await post(t.root, body, true);
    expect(dry.statusCode).toBe(200);
    const preview = dry.json() as SignalAnswer;
    expect(answers.Check(preview)).toBe(true);
    expect(preview).toMatchObject({ dryRun: true, sent: false });
    expect(preview.subtree?.order).toBe('leaves-first');
    // Only E outlives its parent.
    expect(preview.subtree?.counts).toEqual({ ...TREE_FATES, orphans: 1 });
    const planned = byPid(preview.subtree?.members ?? []);
    expect(planned.get(t.f)).toMatchObject({ fate: 'zombie', zombieOf: { pid: t.e } });
    expect(planned.get(t.e)).toMatchObject({ fate: 'survives', effect: 'ignored' });
    expect(planned.get(t.root)?.fate).toBe('exits-if-waited');
    for (const pid of [t.a, t.b, t.c, t.d]) expect(planned.get(pid)?.fate).toBe('exits');
    const adopter = planned.get(t.e)?.newParent?.pid as number;
    expect(adopter).toBeGreaterThanOrEqual(1);
    expect(preview.preview.text).toContain(`${t.f} (sleep) will stay a zombie`);
    // A dry run sends nothing.
    await new Promise((r) => setTimeout(r, 100));
    expect(alive([t.root, t.a, t.b, t.c, t.d, t.e, t.f])).toBe(true);

    const res = await post(t.root, body);
    expect(res.statusCode).toBe(200);
    const done = res.json() as SignalAnswer;
    expect(answers.Check(done)).toBe(true);
    const members = done.subtree?.members ?? [];
    expect(members.map((m) => m.depth)).toEqual([2, 2, 2, 1, 1, 1, 0]);
    // B waits for C and D: once they are gone it may exit by itself before its turn.
    const results = members.map((m) => (m.pid === t.b && m.result === 'gone' ? 'sent' : m.result));
    expect(results).toEqual(members.map(() => 'sent'));
    expect(done.subtree?.counts).toEqual(preview.subtree?.counts);
    for (const pid of [t.a, t.c, t.d, t.f, t.root]) {
      expect(byPid(members).get(pid)?.exited).toBe(true);
    }
    expect(await t.exited).toBe('SIGTERM');

    // /proc, once the parents have reaped: the counts, F a zombie of E, E adopted as predicted.
    await waitFor('the exits', () => observed(members).exits === 5);
    expect(observed(members)).toEqual({ exits: 5, zombies: 1, survives: 1 });
    expect(stateOf(t.f)).toBe('Z');
    expect(ppidOf(t.f)).toBe(t.e);
    expect(ppidOf(t.e)).toBe(adopter);

    // One audit line for the request, every member in it by PID and start time.
    const audit = await agent.app.inject({ url: '/api/v1/audit?limit=50', headers: auth });
    const lines = (audit.json().entries as AuditEntry[]).filter(
      (e) => e.target?.pid === t.root && !e.dryRun && e.status === 200,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]?.detail).toMatchObject({ subtree: true, order: 'leaves-first' });
    const listed = (lines[0]?.detail?.members ?? []) as { pid: number; startTime: number }[];
    expect(listed.map((m) => `${m.pid}:${m.startTime}`).sort()).toEqual(
      members.map((m) => `${m.pid}:${m.startTime}`).sort(),
    );
  });

  it('root-first: the root exits first and its children are adopted before their turn', async () => {
    const t = await makeTree();
    const body = {
      signal: 'SIGTERM',
      startTime: t.rootStart,
      subtree: true,
      order: 'root-first',
    };
    const preview = (await post(t.root, body, true)).json() as SignalAnswer;
    // A, B and E outlive root; C and D outlive B.
    expect(preview.subtree?.counts).toEqual({ ...TREE_FATES, orphans: 5 });
    const planned = byPid(preview.subtree?.members ?? []);
    const adopter = planned.get(t.a)?.newParent?.pid as number;
    for (const pid of [t.a, t.b, t.e, t.c, t.d]) {
      expect(planned.get(pid)?.newParent?.pid).toBe(adopter);
    }
    expect(planned.get(t.f)).toMatchObject({ fate: 'zombie', newParent: null });

    const res = await post(t.root, body);
    expect(res.statusCode).toBe(200);
    const members = (res.json() as SignalAnswer).subtree?.members ?? [];
    expect(members.map((m) => m.depth)).toEqual([0, 1, 1, 1, 2, 2, 2]);
    expect(members.every((m) => m.result === 'sent')).toBe(true);
    expect(byPid(members).get(t.root)?.exited).toBe(true);
    expect(await t.exited).toBe('SIGTERM');

    // The adopter reaps what it adopted (a host init reaps lazily: seconds).
    await waitFor('the exits', () => observed(members).exits === 5, 20_000);
    expect(observed(members)).toEqual({ exits: 5, zombies: 1, survives: 1 });
    expect(ppidOf(t.e)).toBe(adopter);
    expect(ppidOf(t.f)).toBe(t.e);
    expect(stateOf(t.f)).toBe('Z');
  });
});
