import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const agent = 'http://127.0.0.1:7070';

export default defineConfig({
  plugins: [react()],
  // One ~500 kB chunk: React, D3 and the protocol's runtime validator (typebox); served locally
  // by the agent, so splitting buys nothing. No source maps: the agent serves this build, and maps
  // would hand out the sources (2.8 MB) to anyone who can load the page.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
  server: {
    proxy: {
      '/api': { target: agent, ws: true },
      '/metrics': { target: agent },
    },
  },
});
