/// <reference types="vitest" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { writeFileSync } from 'node:fs'

// `npm run dev` proxies the API and its WebSocket to a running `ipcc serve`
// (IPCC_URL, default http://127.0.0.1:8080).
const target = process.env.IPCC_URL ?? 'http://127.0.0.1:8080'

export default defineConfig({
  plugins: [
    react(),
    {
      // web/dist is generated and git-ignored, but go:embed needs the
      // directory: keep its committed placeholder after each build.
      name: 'ipcc-keep-dist',
      closeBundle() {
        writeFileSync('dist/.gitkeep', '')
      },
    },
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    sourcemap: process.env.IPCC_SOURCEMAP === '1',
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts'
          if (id.includes('node_modules/sip.js')) return 'sip'
          if (id.includes('node_modules/react-dom') || id.includes('node_modules/react/') || id.includes('node_modules/scheduler')) return 'react'
          return undefined
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target, ws: true, changeOrigin: false },
      '/healthz': target,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    globals: true,
  },
})
