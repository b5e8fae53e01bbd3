// The page's base styles come first: each component's own css follows and builds on them.
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, replaceSelectionUrl } from './App.js';
import { streamUrl } from './net/connection.js';
import { readSelection } from './net/session.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App
      streamUrl={streamUrl(window.location)}
      initialSelection={readSelection(window.location.href)}
      onSelectionUrl={replaceSelectionUrl}
      staggerFrames={3}
    />
  </StrictMode>,
);
