import { execFileSync } from 'node:child_process';
import type { State } from '@pidscope/protocol';
import { TEST_NAMESPACES, testProcess } from '@pidscope/protocol/testing';
import { describe, expect, it } from 'vitest';
import type { MetricsSource } from '../../src/metrics/pidscopeMetrics.js';
import { createMetricsRegistries } from '../../src/metrics/registries.js';
import { EventTally } from '../../src/metrics/tally.js';
import type { ScanStats } from '../../src/plugins/model.js';
import { CID, CNS, container } from '../helpers/fixtures.js';

const NOW = 1_800_000_000_000;
const OTHER = 'b'.repeat(64);

function state(): State {
  return {
    seq: 42,
    host: {
      hostname: 'h',
      pidMax: 32768,
      threadsMax: 192729,
      tasks: 468,
      processes: 7,
      zombies: 3,
      kernelThreads: 1,
      headroom: 32768 - 300 - 468,
      etaSeconds: 420,
      namespaces: TEST_NAMESPACES,
      pidNamespace: 4026531836,
      source: 'proc-connector',
      sourceReason: null,
    },
    docker: { available: true, reason: null, version: '20.10' },
    containers: [
      container({ pidsCurrent: 32, pidsMax: 32, forkFailures: 17, name: 'we"b', etaSeconds: 0 }),
      container({ id: OTHER, name: 'db', image: 'db:1', hasInit: true, pidsMax: null }),
    ],
    processes: [
      testProcess({ pid: 2, ppid: 0, state: 'I', kernelThread: true }),
      testProcess({ pid: 300, state: 'Z', zombieSince: NOW - 90_000 }),
      testProcess({ pid: 5000, containerId: CID, pidNs: CNS, nsPids: [5000, 1] }),
      testProcess({
        pid: 5001,
        containerId: CID,
        pidNs: CNS,
        nsPids: [5001, 2],
        state: 'Z',
        zombieSince: NOW - 30_000,
      }),
      testProcess({
        pid: 5002,
        containerId: CID,
        pidNs: CNS,
        nsPids: [5002, 3],
        state: 'Z',
        zombieSince: NOW - 12_500,
      }),
      testProcess({ pid: 6000, containerId: OTHER, state: 'R' }),
      testProcess({ pid: 6001, containerId: OTHER, state: 'D' }),
    ],
  };
}

function stats(): ScanStats {
  return {
    count: 3,
    sumSeconds: 0.07,
    buckets: new Map([
      [0.05, 2],
      [0.01, 1],
      [0.1, 3],
    ]),
    lastDurationMs: 20,
    failures: 1,
    applySeconds: 0.5,
    applyMaxMs: 250,
  };
}

function source(over: Partial<MetricsSource> = {}): MetricsSource {
  const tally = new EventTally();
  tally.observe([
    {
      id: 1,
      type: 'zombie-appeared',
      at: 0,
      pid: 5001,
      startTime: 1,
      containerId: CID,
      parentPid: 5000,
      parentComm: 'sleep',
      message: '',
    },
    {
      id: 2,
      type: 'zombie-appeared',
      at: 0,
      pid: 5002,
      startTime: 1,
      containerId: CID,
      parentPid: 5000,
      parentComm: 'sleep',
      message: '',
    },
    {
      id: 3,
      type: 'zombie-appeared',
      at: 0,
      pid: 300,
      startTime: 1,
      containerId: null,
      parentPid: 1,
      parentComm: 'bash',
      message: '',
    },
    {
      id: 4,
      type: 'pids-limit-hit',
      at: 0,
      pid: 5000,
      startTime: 1,
      containerId: CID,
      message: '',
    },
  ]);
  return {
    state,
    scanStats: stats,
    sourceStats: () => ({
      source: { kind: 'proc-connector', reason: null },
      counters: {
        events: { fork: 12, exec: 9, exit: 11 },
        overruns: { enobufs: 2, sequence: 1 },
        lost: 40,
      },
      periodicRescans: 5,
    }),
    streamClients: () => 2,
    dockerUp: () => true,
    forks: () => 23641,
    tally,
    version: '9.8.7',
    now: () => NOW,
    ...over,
  };
}

/** The sample lines of the pidscope_* families. */
function pidscopeSamples(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('pidscope_'));
}

const LABELS = `container_id="${CID}",container_name="we\\"b",image="pidscope/busybox:local"`;
const DB = `container_id="${OTHER}",container_name="db",image="db:1"`;

describe('pidscope metrics from a fixed state', () => {
  it('serves every family with the numbers of the state, in text format 0.0.4', async () => {
    const text = await createMetricsRegistries(source()).render('text');
    expect(pidscopeSamples(text)).toEqual([
      'pidscope_build_info{version="9.8.7"} 1',
      'pidscope_host_pid_max 32768',
      'pidscope_host_threads_max 192729',
      'pidscope_host_tasks 468',
      'pidscope_host_pid_limit 32468',
      'pidscope_host_pid_headroom 32000',
      'pidscope_pid_exhaustion_eta_seconds{scope="host",container_id="",container_name="",image=""} 420',
      `pidscope_pid_exhaustion_eta_seconds{scope="container",${LABELS}} 0`,
      'pidscope_host_processes{state="R"} 1',
      'pidscope_host_processes{state="S"} 1',
      'pidscope_host_processes{state="D"} 1',
      'pidscope_host_processes{state="T"} 0',
      'pidscope_host_processes{state="t"} 0',
      'pidscope_host_processes{state="Z"} 3',
      'pidscope_host_processes{state="X"} 0',
      'pidscope_host_processes{state="I"} 1',
      'pidscope_host_processes{state="P"} 0',
      'pidscope_host_kernel_threads 1',
      'pidscope_host_zombies 3',
      'pidscope_host_oldest_zombie_age_seconds 90',
      'pidscope_host_forks_total 23641',
      `pidscope_container_processes{${LABELS}} 3`,
      `pidscope_container_processes{${DB}} 2`,
      `pidscope_container_pids_current{${LABELS}} 32`,
      `pidscope_container_pids_current{${DB}} 3`,
      `pidscope_container_pids_limit{${LABELS}} 32`,
      `pidscope_container_zombies{${LABELS}} 2`,
      `pidscope_container_zombies{${DB}} 0`,
      `pidscope_container_oldest_zombie_age_seconds{${LABELS}} 30`,
      `pidscope_container_oldest_zombie_age_seconds{${DB}} 0`,
      `pidscope_container_init_reaps{${LABELS}} 0`,
      `pidscope_container_init_reaps{${DB}} 1`,
      `pidscope_container_fork_failures_total{${LABELS}} 17`,
      `pidscope_container_fork_failures_total{${DB}} 0`,
      `pidscope_zombies_created_total{${LABELS},parent_comm="sleep"} 2`,
      'pidscope_zombies_created_total{container_id="",container_name="",image="",parent_comm="bash"} 1',
      'pidscope_events_total{type="zombie-appeared"} 3',
      'pidscope_events_total{type="zombie-reaped"} 0',
      'pidscope_events_total{type="reparented"} 0',
      'pidscope_events_total{type="exited"} 0',
      'pidscope_events_total{type="container-started"} 0',
      'pidscope_events_total{type="container-stopped"} 0',
      'pidscope_events_total{type="pids-limit-hit"} 1',
      'pidscope_scan_duration_seconds_bucket{le="0.01"} 1',
      'pidscope_scan_duration_seconds_bucket{le="0.05"} 2',
      'pidscope_scan_duration_seconds_bucket{le="0.1"} 3',
      'pidscope_scan_duration_seconds_bucket{le="+Inf"} 3',
      'pidscope_scan_duration_seconds_sum 0.07',
      'pidscope_scan_duration_seconds_count 3',
      'pidscope_source_info{source="proc-connector"} 1',
      'pidscope_proc_events_total{kind="fork"} 12',
      'pidscope_proc_events_total{kind="exec"} 9',
      'pidscope_proc_events_total{kind="exit"} 11',
      'pidscope_proc_events_total{kind="comm"} 0',
      'pidscope_proc_events_total{kind="uid"} 0',
      'pidscope_proc_events_total{kind="gid"} 0',
      'pidscope_proc_events_total{kind="sid"} 0',
      'pidscope_proc_events_total{kind="ptrace"} 0',
      'pidscope_proc_events_total{kind="coredump"} 0',
      'pidscope_proc_events_total{kind="ack"} 0',
      'pidscope_proc_events_total{kind="other"} 0',
      'pidscope_proc_events_lost_total 40',
      'pidscope_rescans_total{reason="periodic"} 5',
      'pidscope_rescans_total{reason="enobufs"} 2',
      'pidscope_rescans_total{reason="sequence"} 1',
      'pidscope_scan_failures_total 1',
      'pidscope_tick_apply_seconds_total 0.5',
      'pidscope_tick_apply_max_seconds 0.25',
      'pidscope_state_updates_total 42',
      'pidscope_ws_clients 2',
      'pidscope_docker_up 1',
    ]);
  });

  it('passes promtool check metrics, default process_* and nodejs_* series included', async () => {
    const text = await createMetricsRegistries(source()).render('text');
    expect(text).toMatch(/^process_cpu_seconds_total [\d.e-]+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds [\d.e-]+$/m);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe(
      '',
    );
  });

  it('writes OpenMetrics: counters typed without _total, samples with it, and # EOF', async () => {
    const registries = createMetricsRegistries(source());
    expect(registries.contentType('openmetrics')).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    const text = await registries.render('openmetrics');
    expect(text).toContain('# TYPE pidscope_container_fork_failures counter\n');
    expect(text).toContain(`\npidscope_container_fork_failures_total{${LABELS}} 17\n`);
    expect(text).toContain('# TYPE process_cpu_seconds counter\n');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).not.toMatch(/\n\n/);
  });

  it('keeps _total in text after an OpenMetrics scrape (prom-client renames shared counters)', async () => {
    const registries = createMetricsRegistries(source());
    await registries.render('openmetrics');
    const text = await registries.render('text');
    expect(text).toContain('# TYPE pidscope_host_forks_total counter\n');
    expect(text).toMatch(/^pidscope_host_forks_total 23641$/m);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter\n');
  });

  it('keeps the last forks count while /proc/stat cannot be read', async () => {
    let forks: number | null = 100;
    const registries = createMetricsRegistries(source({ forks: () => forks }));
    expect(await registries.render('text')).toMatch(/^pidscope_host_forks_total 100$/m);
    forks = null;
    expect(await registries.render('text')).toMatch(/^pidscope_host_forks_total 100$/m);
    forks = 120;
    expect(await registries.render('text')).toMatch(/^pidscope_host_forks_total 120$/m);
  });

  it('drops the series of a container that is gone', async () => {
    let current = state();
    const registries = createMetricsRegistries(source({ state: () => current }));
    expect(await registries.render('text')).toContain(`pidscope_container_zombies{${DB}} 0`);
    current = { ...current, containers: current.containers.filter((c) => c.id !== OTHER) };
    expect(await registries.render('text')).not.toContain(OTHER);
  });
});
