import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { THEME_KEY } from '../src/hooks/useTheme.js';
import { FakeSocket } from './fakeSocket.js';
import { connect, item, mount } from './mountApp.js';

const press = (key: string, init: KeyboardEventInit = {}, target: Element = document.body) =>
  act(() => {
    fireEvent.keyDown(target, { key, ...init });
  });

const drawn = () =>
  within(screen.getByRole('tree'))
    .getAllByRole('treeitem')
    .map((e) => e.getAttribute('data-pid'));

const PREVIEW = 'SIGTERM to PID 4425 (sleep) in container web: it has no handler: it terminates.';

describe('the page keys', () => {
  beforeEach(() => {
    FakeSocket.reset();
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        String(url).includes('dryRun=1')
          ? new Response(
              JSON.stringify({
                dryRun: true,
                sent: false,
                message: PREVIEW,
                preview: { text: PREVIEW, effect: 'terminate' },
              }),
              { status: 200 },
            )
          : new Response(JSON.stringify({ message: 'no agent here' }), { status: 503 }),
      ),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it('/ goes to the search box, where keys are text and not commands', () => {
    mount();
    connect();
    press('/');
    const box = screen.getByTestId('search');
    expect(document.activeElement).toBe(box);
    press('z', {}, box);
    expect((screen.getByTestId('filter-zombies') as HTMLInputElement).checked).toBe(false);
  });

  it('z shows zombies only (and their ancestors), and z again everything', () => {
    mount();
    connect();
    const all = drawn().length;
    press('z');
    expect((screen.getByTestId('filter-zombies') as HTMLInputElement).checked).toBe(true);
    expect(drawn()).toEqual(['1', '400', '4425', '4430']);
    press('z');
    expect(drawn()).toHaveLength(all);
  });

  it('f draws the selected process with its descendants alone, kept in the URL; f again the whole tree', () => {
    const { focusUrls } = mount({ pid: 4425, startTime: 44250 });
    connect();
    press('f');
    expect(drawn()).toEqual(['4425', '4430', '4431']);
    expect(item(4425, 44250).getAttribute('aria-level')).toBe('1');
    expect(screen.getByTestId('focus-chip').textContent).toContain('sleep 4425');
    expect(focusUrls).toEqual(['4425:44250']);
    press('f');
    expect(drawn().length).toBeGreaterThan(3);
    expect(focusUrls).toEqual(['4425:44250', null]);
  });

  it('a focus read from the URL is drawn at once, and Esc clears it, then the selection', () => {
    const { urls, focusUrls } = mount({ pid: 4425, startTime: 44250 }, 0, '4425:44250');
    connect();
    expect(drawn()).toEqual(['4425', '4430', '4431']);
    press('Escape');
    expect(focusUrls).toEqual([null]);
    expect(drawn().length).toBeGreaterThan(3);
    expect(screen.getByTestId('details')).toBeTruthy();
    press('Escape');
    expect(urls).toEqual([null]);
    expect(screen.queryByTestId('details')).toBeNull();
  });

  it('k opens the signal dialog of the selection with the agent’s preview; Esc closes it first', async () => {
    mount({ pid: 4425, startTime: 44250 });
    connect();
    press('k');
    const dialog = await screen.findByRole('dialog');
    await waitFor(() =>
      expect(within(dialog).getByTestId('signal-preview').textContent).toBe(PREVIEW),
    );
    expect((within(dialog).getByTestId('signal-choice') as HTMLSelectElement).value).toBe(
      'SIGTERM',
    );
    press('Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
    // The selection stays: Esc closed the dialog and nothing else.
    expect(screen.getByTestId('details')).toBeTruthy();
  });

  it('k without a selection and keys with Ctrl or Alt do nothing', () => {
    mount();
    connect();
    press('k');
    expect(screen.queryByRole('dialog')).toBeNull();
    press('z', { ctrlKey: true });
    press('z', { altKey: true });
    expect((screen.getByTestId('filter-zombies') as HTMLInputElement).checked).toBe(false);
  });

  it('? lists every key the page binds; Esc closes the list', () => {
    mount();
    connect();
    press('?');
    const list = screen.getByTestId('key-help');
    for (const key of ['/', 'z', 'f', 'k', 'Esc', '?']) {
      expect(within(list).getAllByText(key, { selector: 'kbd' }).length).toBeGreaterThan(0);
    }
    press('Escape');
    expect(screen.queryByTestId('key-help')).toBeNull();
  });

  it('Esc clears the search before the selection', () => {
    const { urls } = mount({ pid: 4425, startTime: 44250 });
    connect();
    fireEvent.change(screen.getByTestId('search'), { target: { value: 'sleep' } });
    press('Escape');
    expect((screen.getByTestId('search') as HTMLInputElement).value).toBe('');
    expect(urls).toEqual([]);
  });
});

describe('the theme', () => {
  afterEach(() => {
    localStorage.clear();
    delete document.documentElement.dataset.theme;
  });

  it('follows the system until toggled, then pins and remembers the choice', () => {
    FakeSocket.reset();
    const first = mount();
    const toggle = screen.getByTestId('theme-toggle');
    // jsdom has no prefers-color-scheme: the system theme reads as dark.
    expect(document.documentElement.dataset.theme).toBeUndefined();
    expect(toggle.getAttribute('aria-label')).toBe('Use the light theme');
    fireEvent.click(toggle);
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem(THEME_KEY)).toBe('light');
    expect(toggle.getAttribute('aria-label')).toBe('Use the dark theme');
    first.unmount();
    mount();
    expect(screen.getByTestId('theme-toggle').getAttribute('aria-label')).toBe(
      'Use the dark theme',
    );
  });
});
