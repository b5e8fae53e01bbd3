import type { State } from '@pidscope/protocol';
import { type RefObject, useCallback, useState } from 'react';
import type { TreeHandle } from '../components/tree/ProcessTree.js';
import {
  download,
  fileName,
  jsonOfState,
  pngOfSvg,
  svgOfView,
} from '../features/export/exportView.js';

export type ExportKind = 'svg' | 'png' | 'json' | 'link';

/**
 * "Take it with you": the tree as it is in view (SVG, PNG), the state as JSON, or a link to this
 * very view (host, selection, focus and filters are all in the page URL). `said` is what the last
 * one did, for a status line.
 */
export function useExport(
  tree: RefObject<TreeHandle | null>,
  state: RefObject<State | null>,
): { exportAs(kind: ExportKind): void; said: string | null } {
  const [said, setSaid] = useState<string | null>(null);
  const exportAs = useCallback(
    (kind: ExportKind) => {
      const run = async (): Promise<string> => {
        const host = state.current?.host.hostname ?? location.hostname;
        if (kind === 'link') {
          await navigator.clipboard.writeText(location.href);
          return 'Link copied';
        }
        if (kind === 'json') {
          if (!state.current) return 'Nothing to save yet';
          const name = fileName(host, `seq${state.current.seq}`, 'json');
          download(jsonOfState(state.current), name);
          return `Saved ${name}`;
        }
        const view = tree.current?.view();
        if (!view) return 'Nothing drawn yet';
        const svg = svgOfView(view.svg, view.box, `pidscope — ${host}`);
        const name = fileName(host, 'tree', kind);
        if (kind === 'svg') download(new Blob([svg], { type: 'image/svg+xml' }), name);
        else download(await pngOfSvg(svg, view.box, window.devicePixelRatio || 1), name);
        return `Saved ${name}`;
      };
      run().then(setSaid, (err: unknown) =>
        setSaid(
          `Could not ${kind === 'link' ? 'copy the link' : `save the ${kind.toUpperCase()}`}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    },
    [tree, state],
  );
  return { exportAs, said };
}
