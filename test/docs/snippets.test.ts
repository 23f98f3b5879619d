/**
 * The docs cannot drift from the commands: every shell and Node block of README.md and docs/ runs here
 * on small inputs, every `stylecast <command> --option` written in them is checked against the real
 * command, ts/js blocks typecheck against src, html blocks parse. Markers (test/helpers/snippets.ts)
 * say which blocks cannot run here and why.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { freePort } from '../helpers/redis.js';
import {
  applyReplacements,
  CHECKED,
  envNames,
  NODE,
  parseMarkdown,
  programs,
  PROSE,
  SHELL,
  shellCode,
  skipReason,
  stylecastCalls,
  type Block,
} from '../helpers/snippets.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src/cli/entry.ts');
const TSX = import.meta.resolve('tsx');
const inCI = process.env.CI === 'true' || process.env.CI === '1';

/** The docs a user pastes from: the README and everything under docs/. */
function docFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return ['README.md', ...walk('docs')];
}

const parsed = docFiles().map((f) => ({ file: f, ...parseMarkdown(readFileSync(join(ROOT, f), 'utf8'), f) }));
const blocks = parsed.flatMap((p) => p.blocks);
const where = (b: Block, offset = 0) => `${b.file}:${b.line + offset}`;
const runs = (b: Block) => (SHELL.has(b.lang) || NODE.has(b.lang)) && skipReason(b) === undefined;

test('every code block is run, checked or marked skip with a reason, and its markers are well-formed', () => {
  assert.ok(blocks.filter(runs).length >= 20, 'the docs test found fewer runnable blocks than the docs have');
  const problems = parsed.flatMap((p) => p.problems);
  for (const b of blocks) {
    if (!SHELL.has(b.lang) && !NODE.has(b.lang) && !CHECKED.has(b.lang) && !PROSE.has(b.lang) && skipReason(b) === undefined)
      problems.push(`${where(b)}: no runner for '${b.lang}' blocks: mark it <!-- snippet: skip (why) -->`);
    try {
      applyReplacements(b);
    } catch (e) {
      problems.push((e as Error).message);
    }
    // What runs without an env marker runs without the mirror, so the docs say truly what needs it.
    if (runs(b) && /\.\.\/shared\/|STYLECAST_MIRROR|STYLECAST_REFERENCE/.test(b.code) && !envNames(b).some((n) => n.startsWith('STYLECAST_')))
      problems.push(`${where(b)}: uses the mirror or the reference fixtures: add <!-- snippet: env STYLECAST_MIRROR --> (or STYLECAST_REFERENCE)`);
  }
  assert.deepEqual(problems, []);
});

test('every stylecast command and option written in the docs exists', async () => {
  const { program } = await import('../../src/cli/main.js');
  const known = new Map(program().commands.map((c) => [c.name(), new Set(['-h', '--help', ...c.options.flatMap((o) => [o.long, o.short].filter((s): s is string => !!s))])]));
  const problems: string[] = [];
  const check = (file: string, line: number, text: string) => {
    for (const call of stylecastCalls(text)) {
      const at = `${file}:${line + call.line}`;
      if (call.command === 'help') continue;
      const options = known.get(call.command);
      if (!options) problems.push(`${at}: 'stylecast ${call.command}' is no command (${[...known.keys()].join(', ')})`);
      else for (const o of call.options) if (!options.has(o)) problems.push(`${at}: 'stylecast ${call.command}' has no option ${o}: ${call.text}`);
    }
  };
  let calls = 0;
  for (const p of parsed) {
    for (const b of p.blocks) {
      calls += stylecastCalls(b.code).length;
      check(b.file, b.line + 1, b.code);
    }
    for (const s of p.spans) check(p.file, s.line, s.text);
  }
  assert.ok(calls >= 40, `only ${calls} stylecast commands found in the docs`);
  assert.deepEqual(problems, []);
});

test('the API table of docs/library.md names only exports of stylecast-nst', () => {
  const index = readFileSync(join(ROOT, 'src/index.ts'), 'utf8');
  const exported = new Set([...index.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()!)));
  const table = readFileSync(join(ROOT, 'docs/library.md'), 'utf8').split('\n').filter((l) => l.startsWith('| `'));
  assert.ok(table.length >= 10);
  const named = table.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Za-z_]\w*)(?=[`.( ])/g)].map((m) => m[1]!));
  assert.deepEqual(named.filter((n) => !exported.has(n)), []);
});

test('ts and js blocks typecheck against src (browser ones against src/web)', async () => {
  const dir = tempDir('stylecast-snippets-types-');
  const files = new Map<string, Block>();
  blocks.filter((b) => NODE.has(b.lang)).forEach((b, i) => {
    const name = `b${i}.${b.lang.startsWith('t') ? 'ts' : 'js'}`;
    writeFileSync(join(dir, name), applyReplacements(b));
    files.set(name, b);
  });
  assert.ok(files.size >= 5);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2023', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        allowJs: true,
        checkJs: true,
        esModuleInterop: true,
        resolveJsonModule: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules/@types')],
        paths: { 'stylecast-nst': [join(ROOT, 'src/index.ts')], 'stylecast-nst/web': [join(ROOT, 'src/web/index.ts')] },
      },
      files: [...files.keys()],
    }),
  );
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', '.', '--pretty', 'false'], { cwd: dir, encoding: 'utf8' });
  const errors = `${r.stdout}${r.stderr}`
    .split('\n')
    // The snippets' errors: src is typechecked under its own options by npm test.
    .filter((l) => /^b\d+\.[jt]s\(.*error TS\d+/.test(l))
    // Plain JS cannot narrow querySelector's `Element | null` to a canvas: those argument types are left to the page.
    .filter((l) => !/^b\d+\.js\(.*error TS(2345|18047|2531):/.test(l))
    .map((l) => {
      const m = l.match(/^(b\d+\.[jt]s)\((\d+),\d+\): (.*)$/);
      return m ? `${where(files.get(m[1]!)!, Number(m[2]))}: ${m[3]}` : l;
    });
  assert.deepEqual(errors, []);
});

test('html blocks: import maps point at files the packages have, module scripts parse', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, { default: string }> };
  const dir = tempDir('stylecast-snippets-html-');
  const problems: string[] = [];
  let scripts = 0;
  for (const b of blocks.filter((x) => x.lang === 'html')) {
    for (const m of b.code.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)) {
      const map = JSON.parse(m[1]!) as { imports: Record<string, string> };
      for (const [specifier, path] of Object.entries(map.imports)) {
        const p = path.match(/^\.\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.+)$/);
        if (!p) problems.push(`${where(b)}: ${specifier} -> ${path}: not a node_modules path`);
        else if (p[1] === pkg.name) {
          const sub = `.${specifier.slice(pkg.name.length)}`;
          if (pkg.exports[sub]?.default !== `./${p[2]}`) problems.push(`${where(b)}: ${specifier} -> ${path}, but package.json exports ${sub} as ${pkg.exports[sub]?.default}`);
        } else if (!existsSync(join(ROOT, 'node_modules', p[1]!, p[2]!))) problems.push(`${where(b)}: ${path} does not exist in node_modules`);
      }
    }
    for (const m of b.code.matchAll(/<script type="module">([\s\S]*?)<\/script>/g)) {
      const file = join(dir, `s${scripts++}.mjs`);
      writeFileSync(file, m[1]!);
      const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
      if (r.status !== 0) problems.push(`${where(b)}: module script does not parse: ${r.stderr.split('\n').slice(0, 5).join(' ')}`);
    }
  }
  assert.ok(scripts >= 1);
  assert.deepEqual(problems, []);
});

// ---- Running the blocks ----

const work = tempDir('stylecast-snippets-');
const fixtures = join(work, 'fixtures');
const bin = join(work, 'bin');
const MIRROR = process.env.STYLECAST_MIRROR;
const REFERENCE = process.env.STYLECAST_REFERENCE;

/** Every page's blocks use the test clip, made with ffmpeg; CI installs it. */
function noFfmpeg(): string | false {
  if (spawnSync('ffmpeg', ['-version']).status === 0) return false;
  if (inCI) throw new Error('ffmpeg is missing in CI: .ci/run installs it');
  return 'ffmpeg is not installed: it makes the test clip the docs stylize';
}

/** Why a block does not run here (undefined: it runs); in CI a missing variable or program fails instead. */
function notHere(b: Block): string | undefined {
  const missing = [
    ...envNames(b).filter((n) => !process.env[n]),
    ...programs(b).filter((p) => spawnSync('sh', ['-c', `command -v ${p}`]).status !== 0),
  ];
  if (!missing.length) return undefined;
  if (inCI) throw new Error(`${where(b)} needs ${missing.join(', ')}, missing in CI`);
  return `needs ${missing.join(', ')}`;
}

/**
 * The small inputs the docs name (photo.jpg, photos/, painting.jpg, clip.mkv, examples/webcam.jpg),
 * `npx`/`stylecast`/`npm` shims, and ../shared -> the mirror and reference fixtures, as in the repository.
 */
before(async () => {
  const webcam = join(ROOT, 'examples/webcam.jpg');
  mkdirSync(join(fixtures, 'examples'), { recursive: true });
  mkdirSync(join(fixtures, 'photos'));
  cpSync(webcam, join(fixtures, 'examples/webcam.jpg'));
  await sharp(webcam).resize(64, 48).jpeg().toFile(join(fixtures, 'photo.jpg'));
  for (let i = 0; i < 4; i++) await sharp(webcam).extract({ left: 100 * i, top: 50 * i, width: 200, height: 200 }).resize(48, 48).jpeg().toFile(join(fixtures, `photos/p${i}.jpg`));
  const art = MIRROR && existsSync(join(MIRROR, 'images/styles/01_candy.jpg')) ? join(MIRROR, 'images/styles/01_candy.jpg') : webcam;
  await sharp(art).resize(64, 64).jpeg().toFile(join(fixtures, 'painting.jpg'));
  // One second at 10 fps with a sound track, so "keeps audio" has audio to keep.
  if (noFfmpeg()) return;
  const ff = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', join(fixtures, 'clip.mkv')], { encoding: 'utf8' });
  assert.equal(ff.status, 0, `ffmpeg could not make the test clip: ${ff.stderr}`);

  mkdirSync(join(work, 'shared'));
  if (MIRROR) symlinkSync(MIRROR, join(work, 'shared/assets'));
  if (REFERENCE) symlinkSync(REFERENCE, join(work, 'shared/reference'));

  mkdirSync(bin);
  const shim = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  // The checkout's command from source, so the docs are checked against the code, never a stale build.
  shim('stylecast', `exec '${process.execPath}' --import '${TSX}' '${CLI}' "$@"`);
  shim('npx', `case "$1" in stylecast|stylecast-nst) shift; exec stylecast "$@";; esac\necho "docs test: 'npx $1' does not run here: mark the block" >&2\nexit 127`);
  shim('npm', `echo "docs test: 'npm $*' does not run here (registry, the suite itself): mark the block" >&2\nexit 127`);
});

interface Ran {
  readonly code: number | null;
  readonly output: string;
}

/** Run a command in its own process group, so background jobs it leaves (a worker, a server) end with it. */
function runGroup(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const add = (d: Buffer) => (output = (output + d).slice(-20_000));
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      output += `\n(killed after ${timeoutMs / 1000} s)`;
      kill('SIGKILL');
    }, timeoutMs);
    let code: number | null = null;
    child.once('exit', (c) => {
      code = c;
      kill('SIGTERM');
    });
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function runBlock(b: Block, dir: string, cache: string): Promise<void> {
  let code = applyReplacements(b);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, STYLECAST_CACHE: cache };
  // Only what the block's markers name: unmarked blocks show that they need no mirror and no Redis.
  for (const name of ['STYLECAST_MIRROR', 'STYLECAST_REFERENCE', 'STYLECAST_REDIS']) if (!envNames(b).includes(name)) delete env[name];
  if (code.includes('$SNIPPET_PORT')) env.SNIPPET_PORT = String(await freePort());
  let r: Ran;
  if (SHELL.has(b.lang)) {
    r = await runGroup('bash', ['-e', '-o', 'pipefail', '-c', shellCode(b, code)], dir, env);
  } else {
    assert.ok(!/['"]stylecast-nst\/web['"]/.test(code), `${where(b)}: a browser block cannot run in Node: mark it skip`);
    code = code.replace(/(['"])stylecast-nst\1/g, `'${pathToFileURL(join(ROOT, 'src/index.ts')).href}'`);
    const file = join(dir, `snippet-${b.line}.mts`);
    writeFileSync(file, code);
    r = await runGroup(process.execPath, ['--import', TSX, file], dir, env);
  }
  assert.equal(r.code, 0, `${where(b)} failed (exit ${r.code}):\n${code}\n--- output (end) ---\n${r.output.slice(-4000)}`);
}

describe('the docs run', { concurrency: 2, skip: noFfmpeg() }, () => {
  for (const p of parsed) {
    const runnable = p.blocks.filter((b) => SHELL.has(b.lang) || NODE.has(b.lang));
    if (!runnable.length) continue;
    // One folder per page, blocks in page order: a page's later commands use what its earlier ones wrote.
    test(p.file, async (t) => {
      const dir = join(work, p.file.replace(/[/.]/g, '_'));
      cpSync(fixtures, dir, { recursive: true });
      for (const b of runnable) {
        const why = skipReason(b) ?? notHere(b);
        await t.test(`line ${b.line} (${b.lang})`, why ? { skip: why } : {}, () => runBlock(b, dir, `${dir}-cache`));
      }
    });
  }
});

// ---- The parser itself ----

test('markers: skip needs a reason, replace needs pairs, a marker must sit on a block', () => {
  const md = [
    '<!-- snippet: skip -->',
    '```sh',
    'ls',
    '```',
    '<!-- snippet: replace "a" -->',
    '',
    '```sh',
    'ls',
    '```',
    '<!-- snippet: env STYLECAST_MIRROR -->',
    '<!-- snippet: replace "--steps 20000" "--steps 2" (fast) -->',
    '```sh',
    'npx stylecast train --steps 20000',
    '```',
  ].join('\n');
  const p = parseMarkdown(md, 'x.md');
  assert.deepEqual(p.problems, [
    'x.md:1: skip needs a reason in parentheses and nothing else: <!-- snippet: skip (why) -->',
    'x.md:5: replace needs pairs of "double-quoted" strings',
  ]);
  const last = p.blocks[2]!;
  assert.deepEqual(envNames(last), ['STYLECAST_MIRROR']);
  assert.equal(applyReplacements(last), 'npx stylecast train --steps 2\n');
  assert.deepEqual(parseMarkdown('<!-- snippet: skip (x) -->\ntext\n```sh\nls\n```\n', 'y.md').problems, ['y.md:1: a snippet marker must sit right above a code block']);
  assert.throws(() => applyReplacements({ ...last, code: 'npx stylecast train --steps 500\n' }), /replace "--steps 20000": not in the block/);
});

test('stylecastCalls finds each command and its options, and a renamed option fails the check', () => {
  const calls = stylecastCalls(
    [
      'ffmpeg -i x -f matroska - | npx stylecast video - -o - -m candy_rt -f matroska | ffplay -',
      'npx stylecast train --style a.jpg \\',
      '  --steps 2 -o m.onnx   # --not-an-option in a comment',
      'stylecast worker --storage "$PWD" & npx stylecast jobs',
      'npx stylecast-nst --help; see the `stylecast` command',
    ].join('\n'),
  );
  assert.deepEqual(
    calls.map((c) => [c.command, c.options, c.line]),
    [
      ['video', ['-o', '-m', '-f'], 0],
      ['train', ['--style', '--steps', '-o'], 1],
      ['worker', ['--storage'], 3],
      ['jobs', [], 3],
    ],
  );
  assert.deepEqual(stylecastCalls('`stylecast video --crf 0`').map((c) => c.options), [['--crf']]);
  assert.deepEqual(stylecastCalls('npx stylecast quantize -m x --precision fp16|int8').map((c) => c.options), [['-m', '--precision']]);
});

test('a console block runs its $ lines only', () => {
  const b: Block = { file: 'x.md', line: 1, lang: 'console', code: '$ npx stylecast models\nNAME KIND\n', markers: [] };
  assert.equal(shellCode(b, b.code), 'npx stylecast models\n');
});
