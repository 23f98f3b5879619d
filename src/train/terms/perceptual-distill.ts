import { TRAIN_IO } from '../io.js';
import { contentLoss, gram, styleLoss } from '../losses.js';
import type { LossTermDef, RunContext, TermFeeder } from '../spec.js';
import { needsTeacher } from '../teacher.js';

/**
 * Perceptual distillation: the student matches its teacher through the loss network rather than in
 * pixels. Pixel MSE to a teacher whose texture a small student cannot place exactly is minimized by
 * the blurred average of that texture; matching the teacher's VGG features (content layer) and their
 * Gram matrices (style layers), image by image, asks for the teacher's texture statistics wherever
 * the strokes land. The scales are those of the content and style terms (same layers, same
 * normalization), so their weights transfer: a teacher term at the content/style weight asks as much
 * of the student as the photo and the painting do.
 */
const feedTeacher = async ({ teacher }: RunContext): Promise<TermFeeder> => {
  const run = await teacher();
  return { feeds: async ({ content }) => ({ [TRAIN_IO.teacher]: await run(content) }) };
};

/** Feature reconstruction of the teacher's output at the content layer. */
export const teacherContentTerm: LossTermDef = {
  name: 'teacher-content',
  weight: { flag: 'teacher-content-weight', help: "match --teacher's VGG features at the content layer (0 = off, the default; try the content weight)", default: () => 0 },
  check: (o) => {
    if (o.weights?.['teacher-content']) needsTeacher(o, 'a teacher-content weight');
  },
  graph: ({ contentLayer }) => ({
    loss: (f) => contentLoss(f.features.get(contentLayer)!, f.teacherFeatures.get(contentLayer)!),
  }),
  open: feedTeacher,
};

/** Style reconstruction of the teacher's output, image by image, at the style layers. */
export const teacherStyleTerm: LossTermDef = {
  name: 'teacher-style',
  weight: { flag: 'teacher-style-weight', help: "match --teacher's Gram matrices at the style layers (0 = off, the default; try the style weight)", default: () => 0 },
  check: (o) => {
    if (o.weights?.['teacher-style']) needsTeacher(o, 'a teacher-style weight');
  },
  graph: ({ styleLayers }) => ({
    loss: (f) => {
      if (!styleLayers.length) return undefined;
      // Each image's own Grams [N, C, C]: the teacher's texture on this photo, not the painting's.
      return styleLoss(f.features, new Map(styleLayers.map((l) => [l, gram(f.teacherFeatures.get(l)!)])));
    },
  }),
  open: feedTeacher,
};
