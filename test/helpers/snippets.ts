/**
 * The code blocks of the Markdown docs, with the markers that say how the docs test treats them
 * (test/docs/snippets.test.ts). A marker is an HTML comment on the line right above a fence:
 *   <!-- snippet: skip (why) -->          not run, still checked
 *   <!-- snippet: env NAME... -->         runs only where these variables are set
 *   <!-- snippet: needs program... -->    runs only where these programs are on the PATH
 *   <!-- snippet: replace "a" "b" ... --> runs with each "a" replaced by its "b" (each must occur)
 */

export type Marker =
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'env'; readonly names: readonly string[] }
  | { readonly kind: 'needs'; readonly programs: readonly string[] }
  | { readonly kind: 'replace'; readonly pairs: readonly (readonly [string, string])[] };

export interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly markers: readonly Marker[];
}

export interface Parsed {
  readonly blocks: readonly Block[];
  /** Malformed markers, or markers that sit on no block: `file:line: problem`. */
  readonly problems: readonly string[];
  /** Inline code spans outside blocks, with their line. */
  readonly spans: readonly { readonly line: number; readonly text: string }[];
}

const MARKER = /^<!--\s*snippet:\s*(\S+)\s*(.*?)\s*-->$/;
const REASON = /\s*\(([^()]*)\)\s*$/;

function parseMarker(kind: string, rest: string): Marker | string {
  const reason = rest.match(REASON);
  const args = reason ? rest.slice(0, reason.index) : rest;
  const words = args.split(/\s+/).filter(Boolean);
  switch (kind) {
    case 'skip':
      return reason?.[1]?.trim() && !args.trim() ? { kind, reason: reason[1].trim() } : 'skip needs a reason in parentheses and nothing else: <!-- snippet: skip (why) -->';
    case 'env':
      return words.length && words.every((w) => /^[A-Z_][A-Z0-9_]*$/.test(w)) ? { kind, names: words } : 'env needs variable names';
    case 'needs':
      return words.length && words.every((w) => /^[\w.+-]+$/.test(w)) ? { kind, programs: words } : 'needs needs program names';
    case 'replace': {
      const strings = [...args.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
      const leftover = args.replace(/"((?:[^"\\]|\\.)*)"/g, '').trim();
      if (!strings.length || strings.length % 2 || leftover) return 'replace needs pairs of "double-quoted" strings';
      const pairs: (readonly [string, string])[] = [];
      for (let i = 0; i < strings.length; i += 2) {
        if (!strings[i]) return 'replace cannot replace an empty string';
        pairs.push([strings[i]!, strings[i + 1]!]);
      }
      return { kind, pairs };
    }
    default:
      return `unknown snippet marker '${kind}' (skip, env, needs or replace)`;
  }
}

/** Fenced blocks (``` only: the docs use no other fences) with their markers, and inline code spans. */
export function parseMarkdown(markdown: string, file: string): Parsed {
  const blocks: Block[] = [];
  const problems: string[] = [];
  const spans: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  let pending: { line: number; marker: Marker }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = line.trim().match(MARKER);
    if (m) {
      const marker = parseMarker(m[1]!, m[2]!);
      if (typeof marker === 'string') problems.push(`${file}:${i + 1}: ${marker}`);
      else pending.push({ line: i + 1, marker });
      continue;
    }
    if (line.startsWith('```')) {
      const lang = line.slice(3).trim().split(/\s+/)[0] ?? '';
      let end = i + 1;
      while (end < lines.length && !lines[end]!.startsWith('```')) end++;
      blocks.push({ file, line: i + 1, lang, code: lines.slice(i + 1, end).join('\n') + '\n', markers: pending.map((p) => p.marker) });
      pending = [];
      i = end;
      continue;
    }
    // A marker belongs to the fence right below it: anything else in between orphans it.
    for (const p of pending) problems.push(`${file}:${p.line}: a snippet marker must sit right above a code block`);
    pending = [];
    for (const s of line.matchAll(/`([^`]+)`/g)) spans.push({ line: i + 1, text: s[1]! });
  }
  for (const p of pending) problems.push(`${file}:${p.line}: a snippet marker must sit right above a code block`);
  return { blocks, problems, spans };
}

/** The block's code as the test runs it: every replacement applied; throws when one no longer matches. */
export function applyReplacements(block: Block): string {
  let code = block.code;
  for (const m of block.markers) {
    if (m.kind !== 'replace') continue;
    for (const [from, to] of m.pairs) {
      if (!code.includes(from)) throw new Error(`${block.file}:${block.line}: replace "${from}": not in the block (update the marker with the block)`);
      code = code.split(from).join(to);
    }
  }
  return code;
}

export interface StylecastCall {
  readonly command: string;
  readonly options: readonly string[];
  readonly text: string;
  /** 0-based line of the text where the command starts. */
  readonly line: number;
}

/**
 * Every `stylecast <command> ...` (also after `npx`) in shell text or a code span: the command and the
 * options written after it, up to the end of that command (a pipe, `;`, `&&`, `&` or a comment).
 */
export function stylecastCalls(text: string): StylecastCall[] {
  const calls: StylecastCall[] = [];
  const lines = text.split('\n');
  for (let start = 0; start < lines.length; start++) {
    // A command continued with a trailing backslash is one line.
    let raw = lines[start]!;
    let next = start;
    while (raw.endsWith('\\') && next + 1 < lines.length) raw = raw.slice(0, -1) + ' ' + lines[++next]!.trim();
    const line = raw.replace(/(^|\s)#.*$/, '');
    for (const m of line.matchAll(/(?:^|[\s;&|(`'"])(?:npx\s+)?stylecast\s+([a-z][\w-]*)/g)) {
      const rest = line.slice(m.index! + m[0].length);
      const args = rest.split(/\s\|\s|;|&&|\s&(?:\s|$)|`/)[0]!;
      const options = [...args.matchAll(/(?:^|[\s[])(--?[a-zA-Z][\w-]*)/g)].map((o) => o[1]!);
      calls.push({ command: m[1]!, options, text: `stylecast ${m[1]}${args}`.trim(), line: start });
    }
    start = next;
  }
  return calls;
}

/** Languages the test runs in a shell, runs in Node, or only checks; anything else must be marked skip. */
export const SHELL = new Set(['sh', 'bash', 'shell', 'console']);
export const NODE = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
export const CHECKED = new Set(['html', 'json']);
/** Not pasted: output, diagrams, usage summaries (their `stylecast` options are still checked). */
export const PROSE = new Set(['', 'text']);

/** A `console` block's commands: the lines after `$ `; the rest is output. */
export function shellCode(block: Block, code: string): string {
  if (block.lang !== 'console') return code;
  return code.split('\n').filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)).join('\n') + '\n';
}

export const skipReason = (b: Block): string | undefined => b.markers.find((m): m is Extract<Marker, { kind: 'skip' }> => m.kind === 'skip')?.reason;
export const envNames = (b: Block): string[] => b.markers.flatMap((m) => (m.kind === 'env' ? m.names : []));
export const programs = (b: Block): string[] => b.markers.flatMap((m) => (m.kind === 'needs' ? m.programs : []));
