import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { REGISTRY, type SpeedClass } from '../io/registry.js';
import { cacheRoot, defaultStore, type StoreOptions } from '../io/store.js';

export interface CatalogRow {
  readonly name: string;
  readonly kind: 'teacher' | 'student' | 'loss-network';
  readonly family: 'engstrom' | 'torch' | 'vgg' | 'stylecast';
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
}

const present = (p: string) => access(p).then(() => true, () => false);

/** Every registered asset with where it can be had from right now. */
export async function listModels(opts: StoreOptions = defaultStore()): Promise<CatalogRow[]> {
  return Promise.all(
    REGISTRY.map(async (e) => {
      const availability = e.bundled
        ? 'bundled'
        : (await present(join(cacheRoot(opts), 'assets', e.path, '.verified')))
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
      } as const;
    }),
  );
}
