import type { State } from '@pidscope/protocol';

/**
 * Style properties an exported SVG carries on each element: the page styles it through its own
 * stylesheets (and the theme's variables), which a file opened elsewhere does not have.
 */
const CARRIED = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-decoration',
  'display',
  'visibility',
] as const;

/** What is in view of a scroll pane: its scroll offsets and size, in the SVG's pixels. */
export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The tree as drawn, cut to `view`, as a standalone SVG document: computed styles are written
 * onto every element and the page's background is painted behind, so the file looks the same in
 * any viewer. Rows scrolled far out of view are not in the page, so not in the file either.
 */
export function svgOfView(svg: SVGSVGElement, view: ViewBox, title: string): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const from = [svg, ...svg.querySelectorAll('*')];
  const to = [copy, ...copy.querySelectorAll('*')];
  from.forEach((el, i) => {
    const target = to[i] as Element;
    const computed = getComputedStyle(el);
    target.setAttribute(
      'style',
      CARRIED.map((p) => `${p}:${computed.getPropertyValue(p)}`).join(';'),
    );
    // Rows are placed by a CSS transform: it becomes the SVG attribute every viewer reads.
    const m = /^matrix\(([^)]+)\)$/.exec(computed.transform);
    if (m && el !== svg)
      target.setAttribute('transform', `matrix(${(m[1] as string).split(',').join(' ')})`);
    // Classes and ids pointed at the page's stylesheets and scripts.
    target.removeAttribute('class');
    target.removeAttribute('tabindex');
  });
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(view.width)));
  copy.setAttribute('height', String(Math.round(view.height)));
  copy.setAttribute('viewBox', `${view.x} ${view.y} ${view.width} ${view.height}`);
  copy.removeAttribute('aria-activedescendant');
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('x', String(view.x));
  background.setAttribute('y', String(view.y));
  background.setAttribute('width', String(view.width));
  background.setAttribute('height', String(view.height));
  background.setAttribute('fill', getComputedStyle(document.body).backgroundColor);
  copy.insertBefore(background, copy.firstChild);
  const heading = document.createElementNS('http://www.w3.org/2000/svg', 'title');
  heading.textContent = title;
  copy.insertBefore(heading, copy.firstChild);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(copy)}`;
}

/** Saves `blob` under `name` through a download link (a blob: URL, revoked once used). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The SVG drawn onto a canvas at `scale` (device pixels), as PNG bytes. */
export async function pngOfSvg(svgText: string, view: ViewBox, scale: number): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(view.width * scale);
    canvas.height = Math.round(view.height * scale);
    const g = canvas.getContext('2d');
    if (!g) throw new Error('this browser draws no 2D canvas');
    g.scale(scale, scale);
    g.drawImage(image, 0, 0, view.width, view.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob(
        (b) => (b ? resolve(b) : reject(new Error('the canvas made no PNG'))),
        'image/png',
      ),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The state as the agent sent it, pretty-printed. */
export function jsonOfState(state: State): Blob {
  return new Blob([`${JSON.stringify(state, null, 2)}\n`], { type: 'application/json' });
}

/** A file name: pidscope-<host>-<what>-<time>.<ext>. */
export function fileName(host: string, what: string, ext: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_') || 'host';
  return `pidscope-${safe}-${what}-${stamp}.${ext}`;
}
