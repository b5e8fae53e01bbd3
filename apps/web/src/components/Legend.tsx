import './Legend.css';

/** What the tree's marks mean, and how to move around it. */
export function Legend() {
  return (
    <div className="legend" aria-hidden="true">
      <span>
        <svg width="12" height="12" viewBox="-6 -6 12 12" aria-hidden="true">
          <circle r="4" className="lg-proc" />
        </svg>
        process
      </span>
      <span>
        <svg width="14" height="14" viewBox="-7 -7 14 14" aria-hidden="true">
          <path d="M0,-6L6,0L0,6L-6,0Z" className="lg-zombie" />
        </svg>
        zombie
      </span>
      <span className="lg-blamed-text">⚠ parent not reaping</span>
      <span className="lg-reparented-text">↪ adopted (reparented)</span>
      <span>
        <span className="lg-ns">⟨n⟩</span> in-container PID
      </span>
      <span className="muted">
        wheel: scroll · ctrl+wheel: zoom · drag: pan · arrows: walk · ?: keys
      </span>
    </div>
  );
}
