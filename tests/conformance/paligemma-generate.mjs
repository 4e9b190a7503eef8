// Loads a model package built by edgepali-quantize with the pinned transformers.js (onnxruntime-node) and runs
// PaliGemma generation on a synthetic image. Prints one JSON line: input ids and generated ids.
// Usage: node paligemma-generate.mjs <packageDir> <dtype: fp32|int8|q4> <prompt> <maxNewTokens>
import path from 'node:path';
import { env, AutoProcessor, PaliGemmaForConditionalGeneration, RawImage } from '@huggingface/transformers';

const [packageDir, dtype = 'int8', prompt = 'caption en', maxNewTokens = '8'] = process.argv.slice(2);
env.allowRemoteModels = false;
env.localModelPath = path.dirname(path.resolve(packageDir));
const name = path.basename(path.resolve(packageDir));

const processor = await AutoProcessor.from_pretrained(name);
const model = await PaliGemmaForConditionalGeneration.from_pretrained(name, { dtype, device: 'cpu' });

const size = processor.image_processor.config.size.height;
const pixels = new Uint8ClampedArray(size * size * 3);
for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
const image = new RawImage(pixels, size, size, 3);

const inputs = await processor(image, prompt);
const output = await model.generate({ ...inputs, max_new_tokens: Number(maxNewTokens), do_sample: false });
const inputIds = Array.from(inputs.input_ids.data, Number);
const allIds = Array.from(output.data, Number);
console.log(JSON.stringify({ input_ids: inputIds, generated_ids: allIds.slice(inputIds.length) }));
