/**
 * Vite's dev server pre-bundles dependencies into node_modules/.vite/deps/, away from this package's
 * worker and built-in models, which are found next to its own files (`vite build` is not affected).
 * Failures to find them say how to keep the package out.
 */
export function preBundledHint(): string {
  return import.meta.url.includes('/.vite/deps/')
    ? "; Vite's dev server pre-bundled stylecast-nst away from its worker and models: add optimizeDeps: { exclude: ['stylecast-nst'] } to the Vite config"
    : '';
}
