import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Markdown a user reads: the README, docs/, the examples' and models' notes, DESIGN.md. */
function markdownFiles(): string[] {
  const docs = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docs(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return ['README.md', 'DESIGN.md', 'examples/README.md', 'models/README.md', 'web/README.md', ...docs('docs')];
}

/** Line numbers of code fences that are opened and never closed, or closed with a language tag (an opening that swallowed a close). */
function fenceProblems(markdown: string): string[] {
  const problems: string[] = [];
  let open: number | undefined;
  markdown.split('\n').forEach((line, i) => {
    if (!line.startsWith('```')) return;
    if (open === undefined) open = i + 1;
    else {
      if (line.trim() !== '```') problems.push(`line ${i + 1}: '${line.trim()}' closes the block opened at line ${open}`);
      open = undefined;
    }
  });
  if (open !== undefined) problems.push(`line ${open}: a code block is never closed`);
  return problems;
}

test('every code block in the Markdown a user reads is closed, so the text after it renders as text', () => {
  const files = markdownFiles();
  assert.ok(files.length >= 5);
  for (const f of files) assert.deepEqual(fenceProblems(readFileSync(join(ROOT, f), 'utf8')), [], f);
});

test('fenceProblems finds a block left open before the next section', () => {
  assert.deepEqual(fenceProblems('```html\n<p>\n## Next\n```sh\nls\n```\n'), ["line 4: '```sh' closes the block opened at line 1", 'line 6: a code block is never closed']);
  assert.deepEqual(fenceProblems('```sh\nls\n```\ntext\n'), []);
});
