import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseOnnx } from '../../graph/onnx.js';
import { f32, numel, type Tensor } from '../../graph/tensor.js';
import { readBytes } from '../../io/read.js';
import { REGISTRY } from '../../io/registry.js';
import { resolveAsset, type StoreOptions } from '../../io/store.js';
import { convNames, checkVgg, type VggConv, type VggPreprocess, type VggTopology, type VggWeights } from '../vgg.js';
import { permute4, readJson } from '../../io/raw-tensors.js';

interface LayersModel {
  modelTopology?: { model_config?: { config?: { name?: string; layers?: { name: string; class_name: string }[] } } };
  weightsManifest?: { paths: string[]; weights: { name: string; shape: number[]; dtype?: string }[] }[];
}

/** 'block3_conv2' (Keras) -> 'conv3_2'. */
const kerasConvName = (layer: string) => layer.replace(/^block(\d+)_conv(\d+)$/, 'conv$1_$2');

function topologyOf(hint: string | undefined, convs: number, fallback: VggTopology, source: string): VggTopology {
  if (hint && /vgg[-_]?19/i.test(hint)) return 'vgg19';
  if (hint && /vgg[-_]?16/i.test(hint)) return 'vgg16';
  if (convs === 16) return 'vgg19';
  if (convs === 13) return 'vgg16';
  if (convs > 13 && fallback === 'vgg16') throw new Error(`vgg: ${source} has ${convs} convs; pass topology vgg19`);
  return fallback;
}

/**
 * Read a Keras VGG in TF.js layers format (model.json + weight shards, e.g.
 * `vgg/vgg19-block1-3`): kernels [kh, kw, in, out] become [out, in, kh, kw]; Keras 'caffe' preprocessing.
 */
export async function importVggLayers(dir: string, topology?: VggTopology): Promise<VggWeights> {
  const model = await readJson<LayersModel>(join(dir, 'model.json'));
  if (!model.weightsManifest) throw new Error(`vgg: ${join(dir, 'model.json')} has no weightsManifest (not a TF.js layers model)`);
  const tensors = new Map<string, Tensor<'float32'>>();
  for (const group of model.weightsManifest) {
    const bufs = await Promise.all(group.paths.map((p) => readFile(join(dir, p)).catch(() => {
      throw new Error(`vgg: cannot read weight shard ${join(dir, p)}`);
    })));
    const bytes = Buffer.concat(bufs);
    let offset = 0;
    for (const w of group.weights) {
      if ((w.dtype ?? 'float32') !== 'float32') throw new Error(`vgg: weight ${w.name} is ${w.dtype}; only float32 is supported`);
      const n = numel(w.shape);
      if (offset + n * 4 > bytes.byteLength) throw new Error(`vgg: shards of ${dir} end before weight ${w.name}`);
      const data = new Float32Array(n);
      new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + n * 4));
      tensors.set(w.name, f32(w.shape, data));
      offset += n * 4;
    }
  }
  const layerNames = (model.modelTopology?.model_config?.config?.layers ?? []).filter((l) => l.class_name === 'Conv2D').map((l) => l.name);
  const names = layerNames.length ? layerNames : [...new Set([...tensors.keys()].map((k) => k.split('/')[0]!))];
  const convs: VggConv[] = [];
  for (const layer of names) {
    const kernel = tensors.get(`${layer}/kernel`);
    const bias = tensors.get(`${layer}/bias`);
    if (!kernel || !bias) break; // the weights provide a prefix of the layers
    convs.push({ name: kerasConvName(layer), weight: permute4(kernel, [3, 2, 0, 1]), bias });
  }
  const w: VggWeights = {
    topology: topologyOf(model.modelTopology?.model_config?.config?.name, convs.length, topology ?? 'vgg19', dir),
    preprocess: 'caffe',
    convs,
    source: dir,
  };
  checkVgg(topology ? { ...w, topology } : w);
  return topology ? { ...w, topology } : w;
}

/**
 * Read VGG conv weights from an ONNX file (e.g. torchvision's VGG exported with torch.onnx): the 3x3
 * conv kernels [out, in, 3, 3] and their biases in the order of their names' layer index
 * ('features.0.weight', 'features.2.weight', ...). torchvision preprocessing unless told otherwise.
 */
export async function importVggOnnx(path: string, opts: { topology?: VggTopology; preprocess?: VggPreprocess } = {}): Promise<VggWeights> {
  const inits = parseOnnx(await readBytes(path, 'vgg: cannot read')).initializers;
  const index = (name: string) => Number(/(\d+)\D*\.weight$/.exec(name)?.[1] ?? Number.NaN);
  const kernels = [...inits.entries()]
    .filter(([n, t]) => t.dtype === 'float32' && t.dims.length === 4 && t.dims[2] === 3 && t.dims[3] === 3 && n.endsWith('weight'))
    .sort(([a], [b]) => index(a) - index(b));
  const topology = topologyOf(opts.topology, kernels.length, 'vgg16', path);
  const names = convNames(topology);
  const convs: VggConv[] = kernels.slice(0, names.length).map(([n, t], i) => {
    const bias = inits.get(n.replace(/weight$/, 'bias'));
    if (!bias || bias.dtype !== 'float32') throw new Error(`vgg: ${path} has no bias for ${n}`);
    return { name: names[i]!, weight: t as Tensor<'float32'>, bias: bias as Tensor<'float32'> };
  });
  const w: VggWeights = { topology, preprocess: opts.preprocess ?? 'torch', convs, source: path };
  checkVgg(w);
  return w;
}

/**
 * Read VGG weights by registered name ('vgg19-block1-3', resolved and verified by the model store),
 * from a TF.js layers folder, or from an ONNX file.
 */
export async function loadVgg(spec: string, topology?: VggTopology, store?: StoreOptions): Promise<VggWeights> {
  const entry = REGISTRY.find((e) => e.name === spec && e.kind === 'loss-network');
  if (entry) return importVggLayers(await resolveAsset(entry, store), topology);
  return spec.endsWith('.onnx') ? importVggOnnx(spec, { topology }) : importVggLayers(spec, topology);
}
