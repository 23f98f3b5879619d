import { FILE_HASHES } from './registry-data.js';
import { STUDENTS, type StudentSpec } from './students.js';

/**
 * How fast a style model runs on a laptop-class CPU at 640x480: 'real-time' (>= 1/10 of the
 * teacher's time: ~30 fps here), 'balanced' (<= 1/3 of it), 'full' (the teachers, ~3 fps).
 */
export type SpeedClass = 'real-time' | 'balanced' | 'full';

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
  /** For a student: the registered teacher it was compressed from. */
  readonly teacher?: string;
  /** Style models: how fast they run (see {@link SpeedClass}). */
  readonly speed?: SpeedClass;
  /** A student trained with the stability term (src/temporal/stability.ts): steadier on video. */
  readonly stable?: true;
  /** For a stable student: the per-frame student it was fine-tuned from and is compared with. */
  readonly base?: string;
  /** A multi-style network's styles, in row order (each style's name and the teacher it was distilled from). */
  readonly styles?: readonly { readonly name: string; readonly teacher?: string }[];
  /** A teacher's style image (mirror-relative path and sha256): what `compress` takes the style loss from. */
  readonly styleImage?: { readonly path: string; readonly sha256: string };
  /**
   * Pixels of mirrored context the model is run with unless told otherwise (`--context`, the
   * stylizers' `context`): the teachers paint a frame along the borders they see without it.
   */
  readonly context?: number;
}

/** The teachers' context: enough to keep their border frames (up to about 20 px wide) out of the picture. */
export const TEACHER_CONTEXT = 32;

const REIINAKANO = 'https://raw.githubusercontent.com/reiinakano/fast-style-transfer-deeplearnjs/master/src/ckpts';
const ML5 = 'https://raw.githubusercontent.com/ml5js/ml5-data-and-models/main/models/style-transfer';
const TORCH_SOURCE =
  'pytorch/examples fast_neural_style pretrained models (BSD-3), recovered from the float16 copies in nihui/ncnn-android-styletransfer and stored as float32';

function entry(e: Omit<AssetEntry, 'files'>): AssetEntry {
  const files = FILE_HASHES[e.path];
  if (!files) throw new Error(`registry: no file hashes for ${e.path}; run scripts/gen-registry.ts`);
  return Object.freeze({ ...e, files: Object.freeze(files) });
}

const styleImage = (file: string, sha256: string) => ({ styleImage: Object.freeze({ path: `images/styles/${file}`, sha256 }) });

const engstrom = (name: string, style: string, title: string, origin: 'reiinakano' | 'ml5', image?: ReturnType<typeof styleImage>) =>
  entry({
    ...image,
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
    speed: 'full',
    context: TEACHER_CONTEXT,
  });

const torch = (name: string, style: string, title: string, image?: ReturnType<typeof styleImage>) =>
  entry({ ...image, name, kind: 'teacher', format: 'torch-manifest', title, path: `teachers/pytorch-examples/${style}`, source: TORCH_SOURCE, license: 'BSD-3-Clause', url: null, speed: 'full', context: TEACHER_CONTEXT });

/**
 * A student compressed by this project from a registered teacher (or, multi-style, from one teacher
 * per style) and shipped in models/ as `<name>.onnx` (how each was made: models/README.md). It keeps
 * its teachers' licences.
 */
const student = (spec: StudentSpec) => {
  const { name, speed } = spec;
  const file = `${name}.onnx`;
  const sha = FILE_HASHES['models']?.[file];
  if (!sha) throw new Error(`registry: no hash for models/${file}; run scripts/gen-registry.ts`);
  const teacherOf = (teacher: string) => {
    const t = REGISTRY_TEACHERS.find((e) => e.name === teacher);
    if (!t) throw new Error(`registry: student ${name} names an unknown teacher ${teacher}`);
    return t;
  };
  const common = { name, kind: 'student' as const, format: 'stylecast-model' as const, path: 'models', bundled: true, url: null, files: Object.freeze({ [file]: sha }), speed };
  if ('styles' in spec) {
    const teachers = spec.styles.map((s) => teacherOf(s.teacher));
    return Object.freeze<AssetEntry>({
      ...common,
      title: `${spec.styles.length} styles in one network, ${speed} student`, // the catalog lists the styles
      source: `distilled from ${spec.styles.map((s) => s.teacher).join(', ')} by stylecast train (models/README.md)`,
      license: [...new Set(teachers.map((t) => t.license))].sort().join(' AND '),
      styles: Object.freeze(spec.styles.map((s) => Object.freeze({ ...s }))),
    });
  }
  const { teacher, base } = spec;
  const t = teacherOf(teacher);
  return Object.freeze<AssetEntry>({
    ...common,
    title: `${t.title}, ${speed} student${base ? ', stable on video' : ''}`,
    source: base
      ? `fine-tuned from ${base} with the stability term by stylecast train (models/README.md)`
      : `compressed from ${teacher} by stylecast compress (models/README.md)`,
    license: t.license, teacher, ...(base ? { stable: true as const, base } : {}),
  });
};

/** The pretrained teachers. Names present in both families carry a _tf / _torch suffix. */
const REGISTRY_TEACHERS: readonly AssetEntry[] = Object.freeze([
  engstrom('la_muse', 'la_muse', 'La Muse (Picasso)', 'reiinakano', styleImage('la_muse.jpg', 'ce6eef5e8628dc5966698e09bb545b2aed88f3e454d144e67b6d749a68e9d0c8')),
  engstrom('rain_princess_tf', 'rain_princess', 'Rain Princess (Afremov)', 'reiinakano', styleImage('rain_princess.jpg', 'd8fc563e2e7e9476aacd03a65b30f600a3aafa609c50cee635f7232165022eb1')),
  engstrom('scream', 'scream', 'The Scream (Munch)', 'reiinakano', styleImage('scream.jpg', '45d763b132ba2075f4ff3dd26bce7db155bb1a5574be8d1bfb7d412dae260d04')),
  engstrom('udnie_tf', 'udnie', 'Udnie (Picabia)', 'reiinakano', styleImage('udnie.jpg', '45e510d2a53b4167a22bae12a191eea3018f82d74a2fa17b1573adc1e9dfc7f6')),
  engstrom('wave', 'wave', 'The Great Wave (Hokusai)', 'reiinakano', styleImage('wave.jpg', '5996801da4cd28f339e73f242410a48783a5349fdf2864c89489423e7f292d79')),
  engstrom('wreck', 'wreck', 'The Shipwreck of the Minotaur (Turner)', 'reiinakano', styleImage('wreck.jpg', 'a9077dd76f6400abe74818d9abe15a88028491f5d06f68bddb8eda2093e71f2b')),
  engstrom('mathura', 'mathura', 'Mathura', 'ml5'),
  engstrom('matilde_perez', 'matilde_perez', 'Matilde Perez', 'ml5'),
  engstrom('matta', 'matta', 'Matta', 'ml5'),
  torch('candy', 'candy', 'Candy', styleImage('01_candy.jpg', '1af09b2c18a6674b7d88849cb87564dd77e1ce04d1517bb085449b614cc0c8d8')),
  torch('mosaic', 'mosaic', 'Mosaic', styleImage('05_mosaic.jpg', '17698add60e1ce8618103c04e6cdddc5ac21b82181a37b7517413f36a5b785a4')),
  torch('pointilism', 'pointilism', 'Pointillism'),
  torch('rain_princess_torch', 'rain_princess', 'Rain Princess (Afremov)', styleImage('16_rain_princess.jpg', 'edc860681275f663ff23b28ade7436b34bf8ea28ae60be773f3e1c39b938e5d3')),
  torch('udnie_torch', 'udnie', 'Udnie (Picabia)', styleImage('08_udnie.jpg', 'c3d3d4b9e325b485820d1a91df3bad591c2bab86919412e9f1b424e862cf204a')),
]);

/** The style model `stylize`, `video` and the web app use when none is named: a real-time student. */
export const DEFAULT_MODEL = 'candy_rt';

/** The multi-style network `learn-style` adds a style to when no --base is named. */
export const DEFAULT_MULTI_MODEL = 'multi_rt';

/** Every named asset: teachers, the students shipped in the package, the loss network. */
export const REGISTRY: readonly AssetEntry[] = Object.freeze([
  ...REGISTRY_TEACHERS,
  ...STUDENTS.map(student),
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

/** The context a model is run with by default: its registry entry's, else 0 (students and files). */
export const defaultContext = (name: string): number => REGISTRY.find((e) => e.name === name)?.context ?? 0;

export function findEntry(name: string): AssetEntry {
  const e = REGISTRY.find((r) => r.name === name);
  if (e) return e;
  const near = REGISTRY.filter((r) => r.name.startsWith(name) || r.name.includes(name)).map((r) => r.name);
  const hint = near.length ? `; did you mean ${near.join(' or ')}?` : `; run 'stylecast models' for the list`;
  throw new Error(`unknown model '${name}'${hint}`);
}
