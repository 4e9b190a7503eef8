// Reference generation for the EdgePali conformance tests: transformers.js `generate` (greedy) on a
// local PaliGemma package. Reads a JSON array of cases from the file named on the command line:
//   [{ "model": "/abs/dir", "dtype": "int8" | "fp32" | "q4", "image": "/abs/file.png", "prompt": "caption en",
//      "max_new_tokens": 20 }, ...]
// and prints a JSON array, one entry per case, in order: { "input_ids": [...], "generated_ids": [...] }
// (generated ids exclude the prompt and include eos when the model produced it).
// Models are loaded once per (model, dtype). Ids >= 257152 (<image> and the padded vocabulary rows) are
// banned through bad_words_ids, as EdgePali masks them; everything else is transformers.js as shipped.
// The processor is called with add_special_tokens: false so the prompt is exactly
// "<image>"*N + "<bos>" + prefix + "\n" (big_vision's format, HF's documented one). Left at its default, the
// tokenizer's post-processor (Gemma's, which PaliGemma 1 packages carry) would put a second <bos> in
// front of the image tokens, a known HF quirk (transformers#30967, vllm#14015) that PaliGemma 2 does not have.
import { readFileSync } from 'node:fs';
import { AutoProcessor, PaliGemmaForConditionalGeneration, RawImage, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const FIRST_NON_GENERABLE = 257152;
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const loaded = new Map();

async function load(model, dtype) {
  const key = `${model}|${dtype}`;
  if (!loaded.has(key)) {
    const processor = await AutoProcessor.from_pretrained(model);
    const net = await PaliGemmaForConditionalGeneration.from_pretrained(model, { dtype, device: 'cpu' });
    const vocab = JSON.parse(readFileSync(`${model}/config.json`, 'utf8')).text_config.vocab_size;
    const banned = [];
    for (let id = FIRST_NON_GENERABLE; id < vocab; id++) banned.push([id]);
    loaded.set(key, { processor, net, banned });
  }
  return loaded.get(key);
}

const results = [];
for (const c of cases) {
  const { processor, net, banned } = await load(c.model, c.dtype);
  const image = await RawImage.read(c.image);
  const inputs = await processor(image, c.prompt, { add_special_tokens: false });
  const output = await net.generate({
    ...inputs,
    max_new_tokens: c.max_new_tokens,
    do_sample: false,
    bad_words_ids: banned.length ? banned : null,
  });
  const inputIds = Array.from(inputs.input_ids.data, Number);
  const all = Array.from(output.data, Number);
  results.push({ input_ids: inputIds, generated_ids: all.slice(inputIds.length) });
}

process.stdout.write(JSON.stringify(results));
for (const { net } of loaded.values()) await net.dispose();
