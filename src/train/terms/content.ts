import { vggFeatures } from '../../models/vgg.js';
import { contentLoss, defaultLossWeights } from '../losses.js';
import type { LossTermDef } from '../spec.js';

/** Feature reconstruction: the output keeps the photo's VGG features at the content layer. */
export const contentTerm: LossTermDef = {
  name: 'content',
  weight: {
    flag: 'content-weight',
    help: 'content loss weight (defaults to 1e5, scaled for caffe-preprocessed VGGs; 0 turns it off)',
    default: (p) => defaultLossWeights(p).content,
  },
  graph: ({ vgg, contentLayer }) => ({
    loss: ({ x, features }) => contentLoss(features.get(contentLayer)!, vggFeatures(x, vgg, [contentLayer]).get(contentLayer)!),
  }),
};
