// Reference tokenizer for the .NET conformance tests: transformers.js's GemmaTokenizer over a tokenizer.json.
//
// Usage: node gemma-tokenizer.mjs TOKENIZER_JSON [TOKENIZER_CONFIG_JSON] < requests.jsonl > answers.jsonl
// One request per line, one answer per line, in order:
//   {"text": "..."}           -> {"ids": [...], "decoded": "...", "decodedSkip": "..."}
//   {"ids": [1, 2, 3]}        -> {"decoded": "...", "decodedSkip": "..."}
// Encoding never adds <bos> (add_special_tokens: false), as EdgePali's Encode; "decoded" keeps special tokens,
// "decodedSkip" is decode(..., {skip_special_tokens: true}). Empty results are encoded as "" (transformers.js
// refuses to decode an empty id list).
//
// PaliGemma's extra tokens: when the tokenizer.json lacks them (the plain Gemma tokenizer), they are added the
// way Hugging Face's PaliGemmaProcessor does: <image> as a special token, <loc0000>..<loc1023> and
// <seg000>..<seg127> as ordinary added tokens, none normalized, ids 256000.. in that order, then <image> 257152.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { GemmaTokenizer } from "@huggingface/transformers";

const [tokenizerPath, configPath] = process.argv.slice(2);
if (!tokenizerPath) {
  console.error("usage: node gemma-tokenizer.mjs TOKENIZER_JSON [TOKENIZER_CONFIG_JSON]");
  process.exit(2);
}
const tokenizerJson = JSON.parse(readFileSync(tokenizerPath, "utf8"));
const tokenizerConfig = configPath ? JSON.parse(readFileSync(configPath, "utf8")) : {};

const present = new Set(tokenizerJson.added_tokens.map((t) => t.content));
const added = (content, id, special) =>
  ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
const extra = [];
for (let i = 0; i < 1024; i++) extra.push(added(`<loc${String(i).padStart(4, "0")}>`, 256000 + i, false));
for (let i = 0; i < 128; i++) extra.push(added(`<seg${String(i).padStart(3, "0")}>`, 257024 + i, false));
extra.push(added("<image>", 257152, true));
for (const token of extra) if (!present.has(token.content)) tokenizerJson.added_tokens.push(token);

const tokenizer = new GemmaTokenizer(tokenizerJson, tokenizerConfig);
const decode = (ids, skip) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: skip }));

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
for await (const line of lines) {
  if (line.trim() === "") continue;
  const request = JSON.parse(line);
  if (typeof request.text === "string") {
    const ids = tokenizer.encode(request.text, { add_special_tokens: false });
    out.push(JSON.stringify({ ids, decoded: decode(ids, false), decodedSkip: decode(ids, true) }));
  } else if (Array.isArray(request.ids)) {
    out.push(JSON.stringify({ decoded: decode(request.ids, false), decodedSkip: decode(request.ids, true) }));
  } else {
    throw new Error(`request needs "text" or "ids": ${line}`);
  }
}
process.stdout.write(out.join("\n") + "\n");
