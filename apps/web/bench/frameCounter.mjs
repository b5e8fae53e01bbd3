// Counting a page's animation frames and long tasks from the benchmark (Playwright): the time of
// every frame, so rates and gaps are computed between frames with no harness round trip in them.

/** Starts recording frame times and long tasks (> 50 ms) on `page`. */
export function startFrames(page) {
  return page.evaluate(() => {
    const s = { times: [], run: true, longTasks: [] };
    window.__frames = s;
    const f = (t) => {
      s.times.push(t);
      if (s.run) requestAnimationFrame(f);
    };
    requestAnimationFrame(f);
    s.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) s.longTasks.push(e.duration);
    });
    s.observer.observe({ type: 'longtask' });
  });
}

/** Stops recording: the frame times (ms) and the long tasks' durations since startFrames. */
export function stopFrames(page) {
  return page.evaluate(() => {
    const s = window.__frames;
    s.run = false;
    s.observer.disconnect();
    return { times: s.times, longTasks: s.longTasks };
  });
}
