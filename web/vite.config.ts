import { defineConfig } from "vite";

// The portal's gateway serves dist/ at "/"; in development, `npm run dev`
// proxies the API to a running `portal serve` (PORTAL_URL, default :8080).
export default defineConfig({
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false },
  server: {
    proxy: { "/api": process.env.PORTAL_URL ?? "http://127.0.0.1:8080" },
  },
});
