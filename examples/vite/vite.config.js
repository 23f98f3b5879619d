// Cross-origin isolation (COOP/COEP) lets onnxruntime-web use WASM threads; without it, one thread.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  // The live loop's worker loads onnxruntime-web with a dynamic import: ES module workers split chunks.
  worker: { format: 'es' },
  // Keep the dev server's dependency pre-bundling away from stylecast, whose worker and models are
  // found relative to its own files.
  optimizeDeps: { exclude: ['stylecast'] },
  server: { headers: isolation },
  preview: { headers: isolation },
};
