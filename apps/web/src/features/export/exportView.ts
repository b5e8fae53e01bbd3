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

const SVG_NS = 'http://www.w3.org/2000/svg';

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot' }[c]};`,
  );
}

/**
 * One element as SVG text, with the page's computed styles as presentation attributes and its CSS
 * transform (rows are placed by one) as the SVG attribute every viewer reads. Written out rather
 * than cloned and restyled: setting style attributes in the page would break its CSP.
 */
function writeElement(el: Element, out: string[]): void {
  const computed = getComputedStyle(el);
  const attrs: string[] = [];
  for (const a of el.attributes) {
    if (a.name === 'class' || a.name === 'style' || a.name === 'tabindex' || a.name === 'id')
      continue;
    if (a.name.startsWith('aria-activedescendant')) continue;
    attrs.push(`${a.name}="${escapeXml(a.value)}"`);
  }
  for (const p of CARRIED) attrs.push(`${p}="${escapeXml(computed.getPropertyValue(p))}"`);
  const m = /^matrix\(([^)]+)\)$/.exec(computed.transform);
  if (m && !el.hasAttribute('transform')) {
    attrs.push(`transform="matrix(${(m[1] as string).split(',').join(' ')})"`);
  }
  out.push(`<${el.localName} ${attrs.join(' ')}>`);
  for (const child of el.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) out.push(escapeXml(child.textContent ?? ''));
    else if (child.nodeType === Node.ELEMENT_NODE) writeElement(child as Element, out);
  }
  out.push(`</${el.localName}>`);
}

/**
 * The tree as drawn, cut to `view`, as a standalone SVG document: computed styles go onto every
 * element and the page's background is painted behind, so the file looks the same in any viewer.
 * Rows scrolled far out of view are not in the page, so not in the file either.
 */
export function svgOfView(svg: SVGSVGElement, view: ViewBox, title: string): string {
  const { x, y, width, height } = view;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="${SVG_NS}" width="${Math.round(width)}" height="${Math.round(height)}" viewBox="${x} ${y} ${width} ${height}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="${escapeXml(getComputedStyle(document.body).backgroundColor)}"/>`,
  ];
  for (const child of svg.children) writeElement(child, out);
  out.push('</svg>');
  return out.join('');
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
  // A data: URL, which the page's CSP allows for images (blob: it does not).
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(view.width * scale);
  canvas.height = Math.round(view.height * scale);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('this browser draws no 2D canvas');
  g.scale(scale, scale);
  g.drawImage(image, 0, 0, view.width, view.height);
  return new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the canvas made no PNG'))),
      'image/png',
    ),
  );
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
