import { createSession } from '../../runtime/ort.js';
import { buildGramGraph } from '../grams.js';
import { TRAIN_IO } from '../io.js';
import { defaultLossWeights, styleLoss } from '../losses.js';
import { sessionOptions, type LossTermDef } from '../spec.js';

/** Style reconstruction: the output's Grams match the style image's at the style layers. */
export const styleTerm: LossTermDef = {
  name: 'style',
  weight: {
    flag: 'style-weight',
    help: 'style loss weight (defaults to 1e10, scaled for caffe-preprocessed VGGs; 0 turns it off)',
    default: (p) => defaultLossWeights(p).style,
  },
  graph: ({ graph, styleLayers }) => ({
    loss: ({ features }) => {
      if (!styleLayers.length) return undefined;
      const grams = new Map(styleLayers.map((l) => {
        const c = features.get(l)!.dims()[1]!;
        return [l, graph.input(TRAIN_IO.gram(l), 'float32', [1, c, c])] as const;
      }));
      return styleLoss(features, grams);
    },
  }),
  // The style image's Grams are the same every step: computed once, fed as constants.
  async open({ options: o, styleImage }) {
    const s = await createSession(buildGramGraph(o.vgg, o.styleLayers, styleImage.dims[2]!, styleImage.dims[3]!), sessionOptions(o));
    const grams = await s.run({ style: styleImage });
    await s.release();
    return { feeds: () => grams };
  },
};
