import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './app.js';

/** A Prometheus-ecosystem server (Prometheus, node_exporter) this test started. */
export interface Listening {
  url: string;
  pid: number;
  /** Its log so far (stderr), for failure messages. */
  log(): string;
  /** Stops it by its PID: SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts `binary` with `--web.listen-address=127.0.0.1:0`: the kernel picks a free port, and the
 * Prometheus exporter toolkit logs which ("Listening on"), so no port is probed and raced for.
 */
export async function startOnFreePort(binary: string, args: string[]): Promise<Listening> {
  const child: ChildProcess = spawn(binary, [...args, '--web.listen-address=127.0.0.1:0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid as number, 'SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  try {
    const port = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`${binary} exited: ${stderr}`);
        return /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(stderr)?.[1];
      },
      `${binary} listening`,
      30_000,
      100,
    );
    return { url: `http://127.0.0.1:${port}`, pid: child.pid as number, log: () => stderr, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
