import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The static build the gateway serves at `/` (apps/gateway/src/dashboard): index.html and content-hashed assets in
 * dist/. In development, `npx vite --config apps/dashboard/vite.config.mts` serves the app and sends /v1 to a running
 * gateway (TUNEFORGE_GATEWAY, default the embedded mode's http://127.0.0.1:8080).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Source maps stay out of the served bundle; the sources are in the repository.
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': process.env.TUNEFORGE_GATEWAY ?? 'http://127.0.0.1:8080' },
  },
});
