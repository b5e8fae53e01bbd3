import { act, render, screen } from '@testing-library/react';
import { App } from '../src/App.js';
import type { Selection } from '../src/net/session.js';
import { FakeSocket, factory, hello, snapshotOf } from './fakeSocket.js';
import { state } from './fixtures/hosts.js';

/** The dashboard on a fake socket; `urls` and `focusUrls` record what it puts in the address bar. */
export function mount(
  initialSelection: Selection | null = null,
  staggerFrames = 0,
  initialFocus: string | null = null,
) {
  const urls: (Selection | null)[] = [];
  const focusUrls: (string | null)[] = [];
  const utils = render(
    <App
      streamUrl="ws://test/api/v1/stream"
      initialSelection={initialSelection}
      socket={factory}
      onSelectionUrl={(s) => urls.push(s)}
      initialFocus={initialFocus}
      onFocusUrl={(k) => focusUrls.push(k)}
      staggerFrames={staggerFrames}
    />,
  );
  return { ...utils, urls, focusUrls };
}

/** Opens the fake socket and sends hello and a snapshot of the test host. */
export function connect(seq = 1, over = {}) {
  const ws = FakeSocket.last();
  act(() => {
    ws.open();
    ws.push(hello());
    ws.push(snapshotOf(state({ seq, ...over })));
  });
  return ws;
}

export const item = (pid: number, start: number) => screen.getByTestId(`proc-${pid}-${start}`);
