/**
 * The floors of src/ (DESIGN.md, "Floors"): every import points down. Checked by
 * test/architecture/floors.test.ts in `npm test`; run by hand with `npx depcruise src`.
 *
 *   entries      cli, index.ts, web (the browser entry)
 *   capabilities train, temporal, compress, eval, export, interop, sweep, video, perf, verify, scale, serve
 *   runtime      sessions, the Stylizer, the video pipeline
 *   models       the network family, model files, loss network
 *   io           decoding, the model store, video I/O
 *   autodiff <- ops <- graph
 */
const floors = [
  ['graph', []],
  ['ops', ['graph']],
  ['autodiff', ['graph', 'ops']],
  ['io', ['graph']],
  ['models', ['graph', 'ops', 'autodiff', 'io']],
  ['runtime', ['graph', 'ops', 'autodiff', 'io', 'models']],
];
const ENTRIES = '^src/(cli/|web/|index\\.ts$)';

module.exports = {
  forbidden: [
    ...floors.map(([floor, below]) => ({
      name: `${floor}-points-down`,
      comment: `src/${floor} may import only ${below.length ? below.join(', ') : 'itself'} (and packages)`,
      severity: 'error',
      from: { path: `^src/${floor}/` },
      to: { path: '^src/', pathNot: [`^src/(${[floor, ...below].join('|')})/`] },
    })),
    {
      name: 'capabilities-below-entries',
      comment: 'only the entries (cli, index.ts, web) import the entries',
      severity: 'error',
      from: { path: '^src/', pathNot: ENTRIES },
      to: { path: ENTRIES },
    },
    {
      name: 'no-circular',
      comment: 'no import cycles between modules, type imports included (gradient rules inside ops/ may refer to each other)',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/ops/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
