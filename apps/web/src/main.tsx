// The page's base styles come first: each component's own css follows and builds on them.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import {
  App,
  replaceFiltersUrl,
  replaceFocusUrl,
  replaceMomentUrl,
  replaceSelectionUrl,
} from './App.js';
import { FleetApp } from './features/fleet/index.js';
import { readMoment } from './features/history/index.js';
import { applyStoredTheme } from './hooks/useTheme.js';
import { streamUrl } from './net/connection.js';
import { readFilters, readFocus, readSelection } from './net/session.js';

applyStoredTheme();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
// A hub marks the page it serves; an agent's page is the dashboard as it always was.
const hub = document.querySelector('meta[name="pidscope-mode"]')?.getAttribute('content') === 'hub';
createRoot(root).render(
  <StrictMode>
    {hub ? (
      <FleetApp />
    ) : (
      <App
        streamUrl={streamUrl(window.location)}
        initialSelection={readSelection(window.location.href)}
        onSelectionUrl={replaceSelectionUrl}
        initialMoment={readMoment(window.location.href)}
        onMomentUrl={replaceMomentUrl}
        initialFocus={readFocus(window.location.href)}
        onFocusUrl={replaceFocusUrl}
        initialFilters={readFilters(window.location.href)}
        onFiltersUrl={replaceFiltersUrl}
        staggerFrames={3}
      />
    )}
  </StrictMode>,
);
