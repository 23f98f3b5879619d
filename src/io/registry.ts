import { FILE_HASHES } from './registry-data.js';

/** What an asset is, so the loader knows how to read it. */
export type AssetFormat = 'engstrom-checkpoint' | 'torch-manifest' | 'tfjs-layers' | 'stylecast-model';

export interface AssetEntry {
  /** Stable name users type, e.g. 'candy'. */
  readonly name: string;
  /** Teachers and students are style models; students trained by this project ship in the package. */
  readonly kind: 'teacher' | 'student' | 'loss-network';
  readonly format: AssetFormat;
  /** Display title. */
  readonly title: string;
  /** Directory relative to a mirror root, laid out like ../shared/assets (for bundled models: to the package root). */
  readonly path: string;
  /** Shipped inside the package (no mirror or download needed). */
  readonly bundled?: boolean;
  /** Public origin of the files. */
  readonly source: string;
  readonly license: string;
  /** Base URL the files are downloaded from (file names appended), or null when only a mirror has them in this layout. */
  readonly url: string | null;
  /** sha256 of every file, by file name. */
  readonly files: Readonly<Record<string, string>>;
}

const REIINAKANO = 'https://raw.githubusercontent.com/reiinakano/fast-style-transfer-deeplearnjs/master/src/ckpts';
const ML5 = 'https://raw.githubusercontent.com/ml5js/ml5-data-and-models/main/models/style-transfer';
const TORCH_SOURCE =
  'pytorch/examples fast_neural_style pretrained models (BSD-3), recovered from the float16 copies in nihui/ncnn-android-styletransfer and stored as float32';

function entry(e: Omit<AssetEntry, 'files'>): AssetEntry {
  const files = FILE_HASHES[e.path];
  if (!files) throw new Error(`registry: no file hashes for ${e.path}; run scripts/gen-registry.ts`);
  return Object.freeze({ ...e, files: Object.freeze(files) });
}

const engstrom = (name: string, style: string, title: string, origin: 'reiinakano' | 'ml5') =>
  entry({
    name,
    kind: 'teacher',
    format: 'engstrom-checkpoint',
    title,
    path: `teachers/engstrom/${style}`,
    source:
      origin === 'reiinakano'
        ? `reiinakano/fast-style-transfer-deeplearnjs src/ckpts/${style} (MIT); weights by lengstrom/fast-style-transfer`
        : `ml5js/ml5-data-and-models models/style-transfer/${style} (MIT); weights by lengstrom/fast-style-transfer`,
    license: 'MIT',
    url: `${origin === 'reiinakano' ? REIINAKANO : ML5}/${style}`,
  });

const torch = (name: string, style: string, title: string) =>
  entry({ name, kind: 'teacher', format: 'torch-manifest', title, path: `teachers/pytorch-examples/${style}`, source: TORCH_SOURCE, license: 'BSD-3-Clause', url: null });

/** A student trained by this project and shipped in models/ (how it was made: models/README.md). */
const student = (name: string, file: string, title: string, source: string) => {
  const sha = FILE_HASHES['models']?.[file];
  if (!sha) throw new Error(`registry: no hash for models/${file}; run scripts/gen-registry.ts`);
  return Object.freeze<AssetEntry>({ name, kind: 'student', format: 'stylecast-model', title, path: 'models', bundled: true, source, license: 'MIT', url: null, files: Object.freeze({ [file]: sha }) });
};

/** Every named asset. Names present in both teacher families carry a _tf / _torch suffix. */
export const REGISTRY: readonly AssetEntry[] = Object.freeze([
  engstrom('la_muse', 'la_muse', 'La Muse (Picasso)', 'reiinakano'),
  engstrom('rain_princess_tf', 'rain_princess', 'Rain Princess (Afremov)', 'reiinakano'),
  engstrom('scream', 'scream', 'The Scream (Munch)', 'reiinakano'),
  engstrom('udnie_tf', 'udnie', 'Udnie (Picabia)', 'reiinakano'),
  engstrom('wave', 'wave', 'The Great Wave (Hokusai)', 'reiinakano'),
  engstrom('wreck', 'wreck', 'The Shipwreck of the Minotaur (Turner)', 'reiinakano'),
  engstrom('mathura', 'mathura', 'Mathura', 'ml5'),
  engstrom('matilde_perez', 'matilde_perez', 'Matilde Perez', 'ml5'),
  engstrom('matta', 'matta', 'Matta', 'ml5'),
  torch('candy', 'candy', 'Candy'),
  torch('mosaic', 'mosaic', 'Mosaic'),
  torch('pointilism', 'pointilism', 'Pointillism'),
  torch('rain_princess_torch', 'rain_princess', 'Rain Princess (Afremov)'),
  torch('udnie_torch', 'udnie', 'Udnie (Picabia)'),
  student(
    'starry_night',
    'starry_night.onnx',
    'The Starry Night (van Gogh), small student',
    'trained by stylecast on ../shared/assets/photos/train with the VGG-19 block1-3 loss (models/README.md)',
  ),
  entry({
    name: 'vgg19-block1-3',
    kind: 'loss-network',
    format: 'tfjs-layers',
    title: 'VGG-19 (ImageNet, Keras weights) through block3_conv4',
    path: 'vgg/vgg19-block1-3',
    source: 'DavidCai1993/vgg19-tensorflowjs-model (MIT), topology trimmed to block3_conv4',
    license: 'MIT',
    url: null,
  }),
]);

export function findEntry(name: string): AssetEntry {
  const e = REGISTRY.find((r) => r.name === name);
  if (e) return e;
  const near = REGISTRY.filter((r) => r.name.startsWith(name) || r.name.includes(name)).map((r) => r.name);
  const hint = near.length ? `; did you mean ${near.join(' or ')}?` : `; run 'stylecast models' for the list`;
  throw new Error(`unknown model '${name}'${hint}`);
}
