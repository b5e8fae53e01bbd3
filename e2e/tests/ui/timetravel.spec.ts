// Time travel in a real browser: a zombie made and reaped on this host is found again by
// scrubbing the timeline back; the page shows it with the parent blamed for it, a link carries the
// moment to a new page, and one click goes back to live.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Process } from '@pidscope/protocol';
import { expect, openDashboard, reveal, snapshot, test, treeitem } from '../../src/fixtures.js';
import { readStat } from '../../src/proc.js';

function firstChild(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? Number(text.split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

test('time travel: scrub back to a zombie and its blamed parent, share the moment, back to live', async ({
  page,
  agent,
}) => {
  await openDashboard(page, agent);
  // A parent that does not reap its child until told (`read` blocks; `wait` reaps).
  const parent = spawn('sh', ['-c', 'sleep 0.3 & read x; wait; read y'], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const parentPid = parent.pid as number;
  try {
    await expect.poll(() => firstChild(parentPid), { timeout: 10_000 }).toBeGreaterThan(0);
    const zombiePid = firstChild(parentPid) as number;
    await expect.poll(() => readStat(zombiePid)?.state, { timeout: 10_000 }).toBe('Z');
    let zombie: Process | undefined;
    await expect
      .poll(async () => {
        zombie = (await snapshot(agent)).processes.find((p) => p.pid === zombiePid);
        return zombie?.state;
      })
      .toBe('Z');
    const z = zombie as Process;
    const parentProcess = { pid: parentPid, startTime: readStat(parentPid)?.startTime ?? 0 };
    // Ten seconds of zombie: the moment picked on the track lands inside them.
    const zombieFrom = Date.now();
    await page.waitForTimeout(10_000);
    const zombieTo = Date.now();
    parent.stdin?.write('\n');
    await expect.poll(() => readStat(zombiePid)).toBeNull();
    await expect
      .poll(async () => (await snapshot(agent)).processes.some((p) => p.pid === zombiePid))
      .toBe(false);
    await expect(treeitem(page, z)).toHaveCount(0);

    // Scrub: the 15-minute view, press at the right end, drag back to the middle of the zombie's
    // time, release.
    await page.getByRole('button', { name: '15m' }).click();
    const track = page.getByTestId('timeline-track');
    const box = await track.boundingBox();
    if (!box) throw new Error('no timeline track');
    const from = Number(await track.getAttribute('data-from'));
    const to = Number(await track.getAttribute('data-to'));
    const target = (zombieFrom + zombieTo) / 2;
    const x = box.x + ((target - from) / (to - from)) * box.width;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width - 2, y);
    await page.mouse.down();
    for (let i = 1; i <= 5; i++)
      await page.mouse.move(box.x + box.width - ((box.x + box.width - x) * i) / 5, y);
    await page.mouse.up();
    await expect(page.getByTestId('timeline-moment')).toContainText('(recorded)');
    const drawn = await reveal(page, z);
    expect(drawn.zombie).toBe('true');
    await expect(treeitem(page, parentProcess)).toHaveAttribute('data-blamed', 'true');
    // Actions are off in the past.
    await expect(page.getByRole('button', { name: /^SIGKILL/ })).toBeDisabled();

    // The URL carries the moment: a new page opens on the same picture.
    const url = page.url();
    expect(url).toMatch(/[?&]at=\d+/);
    const other = await page.context().newPage();
    await other.goto(url);
    await expect(other.getByTestId('timeline-moment')).toHaveText(
      (await page.getByTestId('timeline-moment').textContent()) ?? '',
    );
    const again = await reveal(other, z);
    expect(again.zombie).toBe('true');
    await expect(treeitem(other, parentProcess)).toHaveAttribute('data-blamed', 'true');
    await other.close();

    // One click back to live: the zombie is gone, as it is on the host.
    await page.getByTestId('back-to-live').click();
    await expect(page.getByTestId('timeline-live')).toBeVisible();
    expect(page.url()).not.toMatch(/[?&]at=/);
    await expect(treeitem(page, z)).toHaveCount(0);
  } finally {
    parent.kill('SIGKILL');
  }
});
