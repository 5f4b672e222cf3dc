import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** `npm run dev` proxies the API to a local stack started by `npm start`. */
const LOCAL_STACK = process.env.SYNTHCORE_API ?? "http://127.0.0.1:4000";

export default defineConfig({
  plugins: [react()],
  server: {
    host: "127.0.0.1",
    port: 3000,
    proxy: { "/functions": LOCAL_STACK, "/auth": LOCAL_STACK },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
