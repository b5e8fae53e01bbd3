/** The one-click demos. Each runs real processes; the text explains what the tree will show. */
export const DEMO_NAMES = [
  'zombie-no-init',
  'zombie-with-init',
  'orphan-reparent',
  'subreaper',
  'pid-exhaustion',
  'host-zombie',
] as const;
export type DemoName = (typeof DEMO_NAMES)[number];

export function isDemoName(name: unknown): name is DemoName {
  return typeof name === 'string' && (DEMO_NAMES as readonly string[]).includes(name);
}

/** A line of explanation, shown once `afterMs` have passed since the demo started. */
export interface DemoStep {
  afterMs: number;
  text: string;
}

/** How to run a demo: in a container (with these settings) or as a process on the host. */
export type DemoRecipe =
  | {
      kind: 'container';
      cmd: string[];
      env?: string[];
      init: boolean;
      pidsLimit?: number;
    }
  | { kind: 'host'; argv: string[] };

export interface DemoDefinition {
  name: DemoName;
  title: string;
  description: string;
  recipe: DemoRecipe;
  steps: DemoStep[];
}

/** Seconds the orphan demos wait before their parent is killed, so the tree can be seen first. */
export const ORPHAN_DELAY_S = 8;

/**
 * A background loop starts `sleep 1` from a subshell that exits at once: the sleep is orphaned,
 * adopted by PID 1, and becomes a zombie a second later unless PID 1 reaps. `exec` makes PID 1 a
 * `sleep`, which never calls wait().
 */
const ZOMBIE_LOOP = '(while true; do (sleep 1 &); sleep 3; done) & exec sleep 100000';

/** A parent with two children that kills itself on cue; run from $PARENT so quoting stays sane. */
const PARENT = `sleep 100000 & sleep 100000 & sleep ${ORPHAN_DELAY_S}; kill -9 $$`;

/**
 * Forks `sleep` until the pids cgroup is full. busybox sh exits when fork fails; the EXIT trap
 * re-execs the script in the same process (exec needs no new task), so the shell keeps its slot
 * and retries once a second: the container stays exactly at its limit while fork failures climb.
 */
const FORK_SCRIPT = [
  'trap "exec sh /tmp/fork.sh" EXIT',
  'read -t 1 x <> /tmp/tick',
  'while true; do sleep 100000 & done',
];
const FORK_BOMB = `mkfifo /tmp/tick; printf '%s\\n' ${FORK_SCRIPT.map((l) => `'${l}'`).join(' ')} > /tmp/fork.sh; exec sh /tmp/fork.sh`;

export const PIDS_LIMIT = 32;

export const DEMOS: readonly DemoDefinition[] = [
  {
    name: 'zombie-no-init',
    title: 'Zombies without an init',
    description:
      'A container whose PID 1 is `sleep`, which never calls wait(). A loop orphans a short-lived child every 3 s; PID 1 adopts it and never reaps it: a zombie appears every few seconds.',
    recipe: { kind: 'container', cmd: ['sh', '-c', ZOMBIE_LOOP], init: false },
    steps: [
      {
        afterMs: 0,
        text: 'The container starts: `sh` starts a background loop, then execs `sleep`, which becomes PID 1.',
      },
      {
        afterMs: 0,
        text: 'Every 3 s the loop starts `sleep 1` in a subshell that exits at once: the orphan is adopted by PID 1.',
      },
      {
        afterMs: 4000,
        text: 'The orphan exits after 1 s. Its new parent, PID 1 (`sleep`), never calls wait(): it stays a zombie (state Z).',
      },
      {
        afterMs: 10000,
        text: 'Zombies pile up, one every 3 s, each holding a PID. Killing PID 1 would stop the container; only a restart clears them.',
      },
      {
        afterMs: 16000,
        text: 'Try Reap on a zombie: pidscope offers a container restart. The fix is `docker run --init` (next demo).',
      },
    ],
  },
  {
    name: 'zombie-with-init',
    title: 'The same program with --init',
    description:
      'The same program, run with `docker run --init`: docker-init (tini) is PID 1, adopts the orphans and reaps them. No zombies accumulate.',
    recipe: { kind: 'container', cmd: ['sh', '-c', ZOMBIE_LOOP], init: true },
    steps: [
      {
        afterMs: 0,
        text: 'The container starts with --init: docker-init (tini) is PID 1 and runs the same `sh` program as its child.',
      },
      {
        afterMs: 0,
        text: 'Every 3 s an orphaned `sleep 1` is adopted by PID 1, now docker-init instead of `sleep`.',
      },
      {
        afterMs: 4000,
        text: 'When the orphan exits, docker-init calls wait() at once: it is reaped before it can linger.',
      },
      { afterMs: 10000, text: 'No zombies pile up. Compare with the demo without --init.' },
    ],
  },
  {
    name: 'orphan-reparent',
    title: 'Orphans are adopted by PID 1',
    description: `A parent \`sh\` with two \`sleep\` children kills itself after ${ORPHAN_DELAY_S} s. The kernel hands the children to the container's PID 1.`,
    recipe: {
      kind: 'container',
      cmd: ['sh', '-c', 'sh -c "$PARENT" & exec sleep 100000'],
      env: [`PARENT=${PARENT}`],
      init: false,
    },
    steps: [
      {
        afterMs: 0,
        text: 'PID 1 is `sleep`. Its child `sh` (the parent) starts two `sleep` children.',
      },
      {
        afterMs: ORPHAN_DELAY_S * 1000,
        text: 'The parent sends itself SIGKILL. Its children are orphans now.',
      },
      {
        afterMs: ORPHAN_DELAY_S * 1000 + 1500,
        text: "The kernel reparents them to the nearest subreaper, or else the namespace's PID 1: here PID 1 (`sleep`). Watch the `reparented` events.",
      },
      {
        afterMs: ORPHAN_DELAY_S * 1000 + 3000,
        text: 'The dead parent itself stays a zombie: its parent, PID 1 (`sleep`), never calls wait().',
      },
    ],
  },
  {
    name: 'subreaper',
    title: 'A subreaper adopts the orphans',
    description: `The same parent, but under \`tini -s\` (docker-init as a subreaper, not PID 1). When the parent dies after ${ORPHAN_DELAY_S} s, its children go to the subreaper, not to PID 1.`,
    recipe: {
      kind: 'container',
      cmd: [
        'sh',
        '-c',
        '/sbin/docker-init -s -- sh -c \'sh -c "$PARENT"; exec sleep 100000\' & exec sleep 100000',
      ],
      env: [`PARENT=${PARENT}`],
      init: true,
    },
    steps: [
      {
        afterMs: 0,
        text: 'docker-init is PID 1. A second docker-init runs with -s: it calls PR_SET_CHILD_SUBREAPER, but it is not PID 1.',
      },
      { afterMs: 0, text: 'Under the subreaper, a `sh` parent starts two `sleep` children.' },
      {
        afterMs: ORPHAN_DELAY_S * 1000,
        text: 'The parent sends itself SIGKILL; the shell that started it reaps it.',
      },
      {
        afterMs: ORPHAN_DELAY_S * 1000 + 1500,
        text: 'Its children are adopted by the nearest subreaper ancestor in the same PID namespace, not by PID 1: watch `reparented` events with a subreaper as new parent.',
      },
      {
        afterMs: ORPHAN_DELAY_S * 1000 + 3000,
        text: 'Subreaper status is not visible in /proc: pidscope infers it because the new parent is not PID 1.',
      },
    ],
  },
  {
    name: 'pid-exhaustion',
    title: 'PID exhaustion in a container',
    description: `A container limited to ${PIDS_LIMIT} tasks (--pids-limit ${PIDS_LIMIT}) forks \`sleep\` until the limit. The pids cgroup refuses further forks: headroom reaches zero and fork failures climb.`,
    recipe: { kind: 'container', cmd: ['sh', '-c', FORK_BOMB], init: false, pidsLimit: PIDS_LIMIT },
    steps: [
      {
        afterMs: 0,
        text: `The container starts with --pids-limit ${PIDS_LIMIT}: its pids cgroup allows ${PIDS_LIMIT} tasks (threads count too).`,
      },
      {
        afterMs: 1000,
        text: 'PID 1 forks `sleep` as fast as it can. The container headroom drops to zero.',
      },
      {
        afterMs: 2500,
        text: 'At the limit fork() fails with EAGAIN; the cgroup counts each failure (pids.events max). The shell retries every second.',
      },
      {
        afterMs: 6000,
        text: 'Inside, nothing new can start: not even `docker exec`. The host is fine: the limit contained the damage. Act through host PIDs.',
      },
    ],
  },
  {
    name: 'host-zombie',
    title: 'A zombie on the host',
    description:
      'A host process starts a child and never waits for it: `sh` starts `sleep 1`, then execs `sleep`, which does not know it has a child. Works without Docker.',
    recipe: { kind: 'host', argv: ['/bin/sh', '-c', 'sleep 1 & exec sleep 100000'] },
    steps: [
      {
        afterMs: 0,
        text: '`sh` starts `sleep 1` in the background, then replaces itself with `sleep 100000` (exec keeps the PID).',
      },
      {
        afterMs: 1500,
        text: 'The child exits after 1 s. Its parent, now `sleep`, never calls wait(): the child is a zombie.',
      },
      {
        afterMs: 4000,
        text: 'Try Reap: it sends SIGTERM to the parent; the zombie is reparented to the host’s PID 1, which reaps it.',
      },
    ],
  },
];

export function demoByName(name: DemoName): DemoDefinition {
  const d = DEMOS.find((x) => x.name === name);
  if (!d) throw new Error(`no demo ${name}`);
  return d;
}
