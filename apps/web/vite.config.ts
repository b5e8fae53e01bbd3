import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const agent = 'http://127.0.0.1:7070';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/api': { target: agent, ws: true },
      '/metrics': { target: agent },
    },
  },
});
