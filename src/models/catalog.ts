import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REGISTRY, type SpeedClass } from '../io/registry.js';
import { cacheRoot, defaultStore, isCached, type StoreOptions } from '../io/store.js';
import { readModelFile, stylesOf, type StyleEntry } from './modelfile.js';

export interface CatalogRow {
  readonly name: string;
  /** 'imported': kept in the local store by `stylecast import --name`. */
  readonly kind: 'teacher' | 'student' | 'loss-network' | 'imported';
  /** 'opaque': an imported foreign network run as its own graph (no stylecast architecture). */
  readonly family: 'engstrom' | 'torch' | 'vgg' | 'stylecast' | 'opaque';
  readonly title: string;
  readonly license: string;
  readonly source: string;
  /** 'bundled' (in the package), 'cached', 'mirror', 'download' (URL known), or 'missing' (needs a mirror). */
  readonly availability: 'bundled' | 'cached' | 'mirror' | 'download' | 'missing';
  readonly url: string | null;
  /** Shipped in the package: works with no mirror and no network. */
  readonly builtin: boolean;
  /** Style models: 'real-time', 'balanced' or 'full'. */
  readonly speed?: SpeedClass;
  /** Students: the registered teacher they were compressed from. */
  readonly teacher?: string;
  /** Trained with the stability term: steadier on video (#9). */
  readonly stable?: true;
  /** A stable student's per-frame counterpart, the one it was compared with. */
  readonly base?: string;
  /** A multi-style network's styles (what `--style` takes), each with the teacher it was distilled from. */
  readonly styles?: readonly { readonly name: string; readonly teacher?: string }[];
  /** Pixels of mirrored context `stylize` and `video` run it with by default (the teachers'; absent for 0). */
  readonly context?: number;
}

/** The styles as the catalog shows them: name and teacher. */
const styleRows = (styles: readonly StyleEntry[] | undefined) =>
  styles ? { styles: styles.map((s) => ({ name: s.name, ...(s.teacher ? { teacher: s.teacher } : {}) })) } : {};

const present = (p: string) => access(p).then(() => true, () => false);

/** Models `stylecast import --name` kept in the local store; unreadable files are left out. */
async function localModels(opts: StoreOptions): Promise<CatalogRow[]> {
  const dir = join(cacheRoot(opts), 'local');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.onnx')).sort();
  const rows = await Promise.all(
    files.map(async (f) => {
      const m = await readModelFile(join(dir, f)).catch(() => undefined);
      if (!m) return [];
      const row: CatalogRow = { name: f.slice(0, -'.onnx'.length), kind: 'imported', family: m.kind === 'opaque' ? 'opaque' : 'stylecast', title: m.info.style, license: m.info.license, source: m.info.source, availability: 'cached', url: null, builtin: false, ...styleRows(stylesOf(m)) };
      return [row];
    }),
  );
  return rows.flat();
}

/** Every registered asset with where it can be had from right now, then the locally imported models. */
export async function listModels(opts: StoreOptions = defaultStore()): Promise<CatalogRow[]> {
  const registered = await Promise.all(
    REGISTRY.map(async (e) => {
      const availability = e.bundled
        ? 'bundled'
        : (await isCached(e, opts))
        ? 'cached'
        : opts.mirror && (await present(join(opts.mirror, e.path)))
          ? 'mirror'
          : e.url
            ? 'download'
            : 'missing';
      const family = e.format === 'engstrom-checkpoint' ? 'engstrom' : e.format === 'torch-manifest' ? 'torch' : e.format === 'tfjs-layers' ? 'vgg' : 'stylecast';
      return {
        name: e.name, kind: e.kind, family, title: e.title, license: e.license, source: e.source, availability, url: e.url,
        builtin: e.bundled === true, ...(e.speed ? { speed: e.speed } : {}), ...(e.teacher ? { teacher: e.teacher } : {}),
        ...(e.stable ? { stable: true as const, base: e.base! } : {}),
        ...styleRows(e.styles),
        ...(e.context ? { context: e.context } : {}),
      } as const;
    }),
  );
  return [...registered, ...(await localModels(opts))];
}
