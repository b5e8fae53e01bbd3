import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App, replaceSelectionUrl } from './App.js';
import { streamUrl } from './net/connection.js';
import { readSelection, takeToken } from './net/session.js';
import './styles.css';

const token = takeToken(window);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App
      streamUrl={streamUrl(window.location, token)}
      token={token}
      initialSelection={readSelection(window.location.href)}
      onSelectionUrl={replaceSelectionUrl}
      staggerFrames={3}
    />
  </StrictMode>,
);
