import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The Markdown a user follows links in: the README, docs/, DESIGN.md, the models', examples' and app's notes, bench results. */
function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return ['README.md', 'DESIGN.md', 'examples/README.md', 'models/README.md', 'web/README.md', ...walk('docs'), ...walk('bench/results')];
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Text outside code blocks, where links render. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '');

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const s = slug(m[1]!);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n ? `${s}-${n}` : s);
  }
  return out;
}

/** Relative links and images that lead nowhere: a missing file, or an anchor no heading has. */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  const text = prose(readFileSync(join(ROOT, file), 'utf8'));
  for (const m of text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const resolved = path ? normalize(join(ROOT, dirname(file), decodeURIComponent(path))) : join(ROOT, file);
    if (!existsSync(resolved)) problems.push(`${file}: ${target}: no such file`);
    else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) problems.push(`${file}: ${target}: no heading has that anchor`);
  }
  return problems;
}

test('every relative link and image in the Markdown leads to a file, and every anchor to a heading', () => {
  const files = markdownFiles();
  assert.ok(files.length >= 15);
  assert.deepEqual(files.flatMap(brokenLinks), []);
});

test('slug makes the anchors GitHub makes', () => {
  assert.equal(slug('Temporal stability (`--temporal-weight`, stable students, warping error)'), 'temporal-stability---temporal-weight-stable-students-warping-error');
  assert.equal(slug('Many machines: a job queue (BullMQ on Redis)'), 'many-machines-a-job-queue-bullmq-on-redis');
  assert.equal(slug('Redis is the trust boundary: `--storage`'), 'redis-is-the-trust-boundary---storage');
});
