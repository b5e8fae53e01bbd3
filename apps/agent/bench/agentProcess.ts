// The built agent as a child process, for the benchmarks.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Starts dist/main.js with `args` and resolves once it prints the address it listens on. */
export async function spawnAgent(args: string[]): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [MAIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /pidscope listening on (http:\/\/[^/]+)\//.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`agent exited with ${code}`)));
  });
  return { child, base };
}

/**
 * Runs the benchmark's `main`, then `cleanUp` once: when it ends, fails, or is interrupted (Ctrl-C,
 * a kill). A `finally` alone does not run on a signal, and the agent and the crowd of sleepers a
 * benchmark starts would outlive it.
 */
export async function runCleaningUp(main: () => Promise<void>, cleanUp: () => void): Promise<void> {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    cleanUp();
  };
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      once();
      process.exit(code);
    });
  }
  try {
    await main();
  } finally {
    once();
  }
}
