import { type ChildProcess, spawn } from 'node:child_process';
import { api } from '../../src/agent.js';
import { expect, openDashboard, press, test } from '../../src/fixtures.js';
import { isAlive, startTimeOf } from '../../src/proc.js';

let victim: ChildProcess | null = null;

test.afterEach(() => {
  if (victim?.pid && victim.exitCode === null && victim.signalCode === null) victim.kill('SIGKILL');
  victim = null;
});

test('signalling a process goes through the confirm dialog and its preview', async ({
  page,
  agent,
}) => {
  victim = spawn('sleep', ['600'], { stdio: 'ignore' });
  const pid = victim.pid as number;
  const startTime = startTimeOf(pid);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    victim?.once('exit', (_code, signal) => resolve(signal)),
  );

  // The selection travels in the URL.
  await openDashboard(page, agent, `pid=${pid}&start=${startTime}`);
  const details = page.getByTestId('details');
  await expect(details).toHaveAttribute('aria-label', `Details of sleep, PID ${pid}`);

  await press(details.getByRole('button', { name: 'SIGTERM', exact: true }));
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  const preview = dialog.getByTestId('signal-preview');
  await expect(preview).toContainText(String(pid));
  await expect(preview).toContainText('sleep');
  // The dialog shows a preview only: nothing was sent yet.
  expect(isAlive(pid, startTime)).toBe(true);

  const signal = 'SIGTERM';
  const confirm = dialog.getByRole('button', { name: `Send ${signal}` });
  // The preview is the agent's own dry-run answer for this signal.
  const dry = await api<{ sent: boolean; message: string }>(
    agent,
    `/api/v1/processes/${pid}/signal?dryRun=1`,
    { method: 'POST', body: { signal, startTime } },
  );
  expect(dry.sent).toBe(false);
  await expect(preview).toContainText(dry.message.split('\n')[0] as string);
  await press(confirm);

  expect(await exited).toBe(signal);
  await expect.poll(() => isAlive(pid, startTime)).toBe(false);
  // The UI follows: the selected process is gone.
  await expect(details).toContainText('is not running any more');
});
