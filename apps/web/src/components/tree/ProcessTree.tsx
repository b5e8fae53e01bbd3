import {
  type KeyboardEvent,
  useCallback,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { ViewBox } from '../../features/export/exportView.js';
import { keyAt, type Layout, rowOf } from '../../model/layout.js';
import { keyStep } from './keys.js';
import { Scene, type SceneData, sceneIn } from './Scene.js';
import { useViewport } from './useViewport.js';
import { LABELS_FROM_SCALE } from './viewport.js';
import './tree.css';

export interface TreeHandle {
  fit(): void;
  /** Multiplies the scale, keeping the centre of the view still. */
  zoomBy(factor: number): void;
  /** Pans so the process is in view (keeping the zoom), and makes it the keyboard's position. */
  reveal(key: string): void;
  /** The drawing and the part of it in view, in its own pixels (for export). */
  view(): { svg: SVGSVGElement; box: ViewBox } | null;
}

export interface ProcessTreeProps extends SceneData {
  layout: Layout;
  label: string;
  handle?: React.Ref<TreeHandle>;
}

/**
 * The process tree: one tab stop (the SVG, with aria-activedescendant) whose arrow keys walk the
 * rows, in a viewport that zooms, pans and, for a large tree, draws only the rows near the view.
 */
export function ProcessTree(props: ProcessTreeProps) {
  const { layout, selectedKey, onSelect, onToggle } = props;
  const viewport = useViewport(layout, selectedKey);
  const { scrollIntoView } = viewport;
  const [activeKey, setActiveKey] = useState<string | null>(null);

  const reveal = useCallback(
    (key: string) => {
      if (scrollIntoView(key)) setActiveKey(key);
    },
    [scrollIntoView],
  );
  const svgRef = useRef<SVGSVGElement | null>(null);
  const { pane } = viewport;
  useImperativeHandle(
    props.handle,
    () => ({
      fit: viewport.fit,
      zoomBy: viewport.zoomBy,
      reveal,
      view: () => {
        const svg = svgRef.current;
        const p = pane.current;
        if (!svg || !p) return null;
        const box = {
          x: p.scrollLeft,
          y: p.scrollTop,
          width: p.clientWidth,
          height: p.clientHeight,
        };
        return { svg, box };
      },
    }),
    [viewport.fit, viewport.zoomBy, reveal, pane],
  );

  const { nodes, links, groups } = useMemo(
    () => sceneIn(layout, viewport.cullRect),
    [layout, viewport.cullRect],
  );

  // The keyboard's row: the one last walked to, else the selection, else the first.
  const active =
    activeKey && rowOf(layout, activeKey) >= 0
      ? activeKey
      : selectedKey && rowOf(layout, selectedKey) >= 0
        ? selectedKey
        : layout.size > 0
          ? keyAt(layout, 0)
          : null;

  const onKeyDown = (e: KeyboardEvent<SVGSVGElement>) => {
    const row = active ? rowOf(layout, active) : -1;
    if (!active || row < 0) return;
    const step = keyStep(layout, row, e.key);
    if (!step) return;
    if (step.expand !== undefined) onToggle(active, step.expand);
    if (step.select) onSelect(active);
    e.preventDefault();
    if (step.next) reveal(step.next);
  };

  const { k, origin } = viewport;
  const classes = ['tree'];
  if (k < LABELS_FROM_SCALE) classes.push('lod-low');
  if (viewport.cullRect) classes.push('large');

  return (
    <div ref={viewport.pane} className="tree-scroll" {...viewport.paneEvents}>
      <svg
        ref={svgRef}
        className={classes.join(' ')}
        width={viewport.width}
        height={viewport.height}
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the SVG is the tree widget (one tab stop, aria-activedescendant).
        role="tree"
        aria-label={props.label}
        aria-multiselectable="false"
        aria-activedescendant={active ? `node-${active}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-drawn={nodes.length}
        data-total={layout.size}
        data-scale={k.toFixed(3)}
      >
        <g transform={`translate(${origin.x},${origin.y}) scale(${k})`}>
          <Scene
            nodes={nodes}
            links={links}
            groups={groups}
            data={props}
            active={active}
            large={viewport.cullRect !== null}
          />
        </g>
      </svg>
    </div>
  );
}
