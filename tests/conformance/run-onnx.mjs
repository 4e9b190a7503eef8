// Runs one ONNX graph with onnxruntime-node, the runtime under the pinned transformers.js, on a raw float32 input
// (little-endian file); prints its first output as one JSON line. Used to check that graphs transformers.js has no
// dtype name for (the QDQ vision encoder, `_qdq`) load and compute the same in that runtime as in ours.
// Usage: node run-onnx.mjs <model.onnx> <inputName> <input.f32> <dims, comma-separated>
import fs from 'node:fs';
// onnxruntime-node comes with @huggingface/transformers (hoisted by npm ci from package-lock.json): the same copy it uses.
import * as ort from 'onnxruntime-node';

const [modelPath, inputName, inputPath, dimsText] = process.argv.slice(2);
const bytes = fs.readFileSync(inputPath);
const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
const dims = dimsText.split(',').map(Number);
const session = await ort.InferenceSession.create(modelPath);
const results = await session.run({ [inputName]: new ort.Tensor('float32', values, dims) });
const output = results[session.outputNames[0]];
console.log(JSON.stringify({ name: session.outputNames[0], dims: output.dims, data: Array.from(output.data) }));
