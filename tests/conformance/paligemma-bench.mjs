// transformers.js side of `edgepali-bench --compare transformers-js` (src/Bench): the same package files, image, prompt,
// thread count and number of new tokens as the EdgePali runs, driven one run at a time so the two are
// interleaved. Usage:
//   node paligemma-bench.mjs <model dir> <dtype: int8|q4|fp32> <image file> <prompt> <new tokens> <threads>
// Prints one JSON line when loaded ({"ready":true,"load_ms":...}); then for every "run" line on stdin one JSON
// line {"preprocess_ms","first_token_ms","decode_ms","generated_tokens","end_to_end_ms"}; "quit" prints
// {"max_rss_bytes":...} and exits.
// first_token_ms covers what transformers.js does inside generate before the first token (vision encoder,
// embeddings, merge, prefill, first argmax); decode_ms the remaining steps. Exactly <new tokens> are
// generated: min_new_tokens bans eos until then (HF's MinNewTokensLengthLogitsProcessor), as EdgePali's bench
// does; ids >= 257152 are banned as EdgePali bans them.
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { AutoProcessor, PaliGemmaForConditionalGeneration, RawImage, env } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.allowLocalModels = true;

const [model, dtype, imagePath, prompt, newTokensText, threadsText] = process.argv.slice(2);
const newTokens = Number(newTokensText);
const threads = Number(threadsText);
const FIRST_NON_GENERABLE = 257152;

const loadStart = performance.now();
const processor = await AutoProcessor.from_pretrained(model);
const net = await PaliGemmaForConditionalGeneration.from_pretrained(model, {
  dtype,
  device: 'cpu',
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
});
const loadMs = performance.now() - loadStart;
const vocab = JSON.parse(readFileSync(`${model}/config.json`, 'utf8')).text_config.vocab_size;
const banned = [];
for (let id = FIRST_NON_GENERABLE; id < vocab; id++) banned.push([id]);
const image = await RawImage.read(imagePath);

// Times each generated token as the streamer sees it (called once with the prompt, then once per token).
class TokenClock {
  constructor() { this.calls = 0; this.times = []; }
  put() { if (this.calls++ > 0) this.times.push(performance.now()); }
  end() {}
}

async function run() {
  const start = performance.now();
  const inputs = await processor(image, prompt, { add_special_tokens: false });
  const preprocessed = performance.now();
  const clock = new TokenClock();
  const output = await net.generate({
    ...inputs,
    max_new_tokens: newTokens,
    min_new_tokens: newTokens,
    do_sample: false,
    bad_words_ids: banned.length ? banned : null,
    streamer: clock,
  });
  const end = performance.now();
  const generated = output.dims[1] - inputs.input_ids.dims[1];
  const first = clock.times[0] ?? end;
  return {
    preprocess_ms: preprocessed - start,
    first_token_ms: first - preprocessed,
    decode_ms: end - first,
    generated_tokens: generated,
    end_to_end_ms: end - start,
  };
}

process.stdout.write(JSON.stringify({ ready: true, load_ms: loadMs }) + '\n');
const lines = createInterface({ input: process.stdin });
// This process's own peak: VmHWM belongs to the address space, which exec starts afresh. getrusage's maxRSS
// (process.resourceUsage) does not: Linux keeps it across execve, so a child of the bench started after the
// EdgePali model was loaded reported the bench's own peak as its own.
function peakRssBytes() {
  const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

for await (const line of lines) {
  if (line.trim() === 'run') {
    process.stdout.write(JSON.stringify(await run()) + '\n');
  } else if (line.trim() === 'quit') {
    break;
  }
}
process.stdout.write(JSON.stringify({ max_rss_bytes: peakRssBytes() }) + '\n');
await net.dispose();
process.exit(0);
