// Cross-origin isolation (COOP/COEP) lets onnxruntime-web use WASM threads; without it, one thread.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default {
  // `vite build` needs nothing else. The dev server's dependency pre-bundling would move stylecast-nst's
  // files, and its worker and built-in models are found relative to them: keep it out.
  optimizeDeps: { exclude: ['stylecast-nst'] },
  server: { headers: isolation },
  preview: { headers: isolation },
};
