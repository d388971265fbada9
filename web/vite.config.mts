/**
 * Builds the admin console into dist/web: `npm run build:web`. The local host serves that folder at / over
 * https (same origin as the API); in Azure, Static Web Apps serves it (azure.yaml, service `web`).
 *
 * No @vitejs/plugin-react: Vite 8 compiles TSX itself (Oxc, React's automatic JSX runtime), and the
 * plugin's one other gift, Fast Refresh for the dev server, is not used here (the console is built and
 * served by the local host). Its optional Babel peers also make npm refuse the install on this project.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // relative asset URLs: the same build works at https://localhost:7072/ and at the Static Web App's root
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // the pages load on demand; Vite preloads a page's chunks when its route is first visited
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      // Fluent's modules start with 'use client' (for React Server Components); meaningless in a browser bundle
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
