/**
 * What a namespace's PID 1 does with orphans it adopts. Only programs whose reaping behaviour we
 * know are listed; anything else is "unknown" (null), never guessed.
 */
export interface InitInfo {
  /** Canonical program name shown to people. */
  name: string;
  /** true: reaps every child it adopts; false: never reaps adopted children; null: it depends. */
  reaps: boolean | null;
  why: string;
}

const TABLE: readonly (InitInfo & { names: readonly string[] })[] = [
  {
    names: ['docker-init', 'tini', 'tini-static'],
    name: 'tini',
    reaps: true,
    why: 'tini (docker-init, what `--init` runs) reaps every child it adopts',
  },
  { names: ['dumb-init'], name: 'dumb-init', reaps: true, why: 'dumb-init reaps adopted children' },
  { names: ['catatonit'], name: 'catatonit', reaps: true, why: 'catatonit reaps adopted children' },
  { names: ['s6-svscan'], name: 's6-svscan', reaps: true, why: 's6-svscan as PID 1 reaps orphans' },
  { names: ['systemd'], name: 'systemd', reaps: true, why: 'systemd reaps adopted children' },
  {
    names: ['init'],
    name: 'init',
    reaps: true,
    why: 'init (sysvinit, busybox init) reaps orphans',
  },
  { names: ['openrc-init'], name: 'openrc-init', reaps: true, why: 'openrc-init reaps orphans' },
  { names: ['runit'], name: 'runit', reaps: true, why: 'runit (stage 1/3 PID 1) reaps orphans' },
  {
    names: ['supervisord'],
    name: 'supervisord',
    reaps: true,
    why: 'supervisord calls waitpid(-1) in its main loop, so it reaps adopted children too',
  },
  {
    names: ['sh', 'ash', 'bash', 'dash', 'zsh', 'busybox'],
    name: 'shell',
    reaps: null,
    why: 'a shell reaps adopted children only while it waits for a job of its own',
  },
  {
    names: [
      'sleep',
      'tail',
      'cat',
      'node',
      'python',
      'python3',
      'java',
      'ruby',
      'perl',
      'redis-server',
    ],
    name: 'application',
    reaps: false,
    why: 'an application run as PID 1 only waits for children it started itself',
  },
];

const BY_NAME = new Map<string, InitInfo>(
  TABLE.flatMap(({ names, ...info }) => names.map((n) => [n, info] as const)),
);

/** The last part of a path; the page has no node:path. */
const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

const INTERPRETERS = /^(python[\d.]*|perl|ruby|node|bash|sh)$/;

/**
 * Classifies a PID 1 by the script an interpreter runs (`python3 /usr/bin/supervisord`), then its
 * comm (truncated by the kernel to 15 bytes), then argv[0]. `python3.12` matches `python3`.
 */
export function classifyInit(comm: string, cmdline: readonly string[]): InitInfo | null {
  const argv0 = cmdline[0] ? basename(cmdline[0]) : null;
  const script =
    argv0 && INTERPRETERS.test(argv0) && cmdline[1] && !cmdline[1].startsWith('-')
      ? basename(cmdline[1])
      : null;
  const candidates = [script, comm, argv0].filter((c): c is string => !!c);
  for (const c of candidates) {
    const exact = BY_NAME.get(c);
    if (exact) return exact;
    const family = BY_NAME.get(c.replace(/[\d.]+$/, ''));
    if (family) return family;
  }
  return null;
}
