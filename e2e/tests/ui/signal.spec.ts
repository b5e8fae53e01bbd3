import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { api } from '../../src/agent.js';
import { expect, openDashboard, press, snapshot, test } from '../../src/fixtures.js';
import { childrenOf, isAlive, readStat, startTimeOf } from '../../src/proc.js';

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

let family: ChildProcess | null = null;

test.afterEach(() => {
  // The tree shares the root's process group: whatever the test left of it goes.
  if (family?.pid) {
    try {
      process.kill(-family.pid, 'SIGKILL');
    } catch {
      // the whole group is gone
    }
  }
  family = null;
});

const ignoresTerm = (pid: number) => {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('SigIgn:'));
    return ((BigInt(`0x${line?.slice(7).trim() ?? '0'}`) >> 14n) & 1n) === 1n;
  } catch {
    return false;
  }
};

test('[R8] the whole subtree, from k: the dialog previews counts and lists, one confirm, /proc agrees', async ({
  page,
  agent,
}) => {
  // root (a shell that waits) → A sleep, B sh (waits) → C sleep; E sleep (ignores SIGTERM,
  // never waits) → F sleep. SIGTERM leaves-first: A, B, C and root exit; F stays E's zombie; E
  // survives and is adopted when root exits.
  family = spawn(
    'sh',
    [
      '-c',
      `sleep 600 &
sh -c 'sleep 600 & wait' &
sh -c 'sleep 600 & trap "" TERM; exec sleep 600' &
wait`,
    ],
    { stdio: 'ignore', detached: true },
  );
  const root = family.pid as number;
  const rootStart = startTimeOf(root);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    family?.once('exit', (_code, signal) => resolve(signal)),
  );
  let e = 0;
  let f = 0;
  await expect
    .poll(() => {
      const kids = childrenOf(root);
      e = kids.find((k) => readStat(k)?.comm === 'sleep' && ignoresTerm(k)) ?? 0;
      f = e ? (childrenOf(e)[0] ?? 0) : 0;
      return kids.length === 3 && f > 0 && kids.flatMap(childrenOf).length === 2;
    })
    .toBe(true);
  const members = [root, ...childrenOf(root), ...childrenOf(root).flatMap(childrenOf)];
  const starts = new Map(members.map((pid) => [pid, startTimeOf(pid)]));
  // The agent's model has the whole tree before the page is opened on it.
  await expect
    .poll(async () => {
      const ps = (await snapshot(agent)).processes;
      return members.every((pid) =>
        ps.some((p) => p.pid === pid && p.startTime === starts.get(pid)),
      );
    })
    .toBe(true);

  await openDashboard(page, agent, `pid=${root}&start=${rootStart}`);
  const details = page.getByTestId('details');
  await expect(details).toHaveAttribute('aria-label', `Details of sh, PID ${root}`);
  await page.keyboard.press('k');
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('button', { name: 'Send SIGTERM' })).toBeVisible();
  await dialog.getByRole('checkbox', { name: /Whole subtree/ }).check();
  await expect(dialog.getByRole('combobox', { name: /Order/ })).toHaveValue('leaves-first');
  const confirm = dialog.getByRole('button', { name: 'Send SIGTERM to 6 processes' });
  await expect(confirm).toBeVisible();
  const what = dialog.getByRole('list', { name: 'What the subtree signal does' });
  await expect(what).toContainText('6 processes signalled');
  await expect(what).toContainText('4 exit');
  await expect(what).toContainText('1 stay zombies');
  await expect(what).toContainText('1 survive');
  await expect(what).toContainText('1 adopted');
  await expect(dialog.getByRole('list', { name: 'Will stay zombies' })).toHaveText(
    `${f} (sleep) stays a zombie of ${e} (sleep)`,
  );
  const adopted = dialog.getByRole('list', { name: 'Will be adopted' });
  await expect(adopted).toContainText(`${e} (sleep) adopted by `);
  const adopter = Number(/adopted by (\d+) /.exec((await adopted.textContent()) ?? '')?.[1]);
  // A preview sends nothing.
  expect(members.every((pid) => readStat(pid)?.state === 'S')).toBe(true);

  await press(confirm);
  expect(await exited).toBe('SIGTERM');
  // The root is gone, and what happened to each member stays readable in its place.
  await expect(details).toContainText('is not running any more');
  const status = details.getByTestId('action-result');
  await expect(status).toContainText('SIGTERM sent to');
  await expect(status.getByTestId('member-result')).toHaveCount(6);
  await expect(status.getByTestId('member-result').last()).toHaveText(`${root} (sh): sent, exited`);

  // /proc: four gone, F a zombie of E, E alive under the adopter the dialog named.
  const gone = (pid: number) => readStat(pid)?.startTime !== starts.get(pid);
  await expect.poll(() => members.filter(gone).length, { timeout: 15_000 }).toBe(4);
  expect(readStat(f)).toMatchObject({ state: 'Z', ppid: e });
  expect(readStat(e)).toMatchObject({ state: 'S', ppid: adopter });
});
