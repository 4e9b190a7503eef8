// Calls EdgePali's OpenAI-compatible endpoint with the official `openai` client (pinned in package.json), as
// Frigate's and LLM Vision's OpenAI providers do: one user message with text and a data-URL image.
// Usage: node openai-chat.mjs BASE_URL API_KEY IMAGE_DATA_URL PROMPT
// Prints JSON: {"content": non-streamed answer, "model", "usage", "streamed": [pieces of the streamed answer]}.
import OpenAI from "openai";

const [baseURL, apiKey, image, prompt] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });
const messages = [{ role: "user", content: [{ type: "text", text: prompt }, { type: "image_url", image_url: { url: image } }] }];

const completion = await client.chat.completions.create({ model: "edgepali", messages, max_tokens: 8 });
const streamed = [];
const stream = await client.chat.completions.create({ model: "edgepali", messages, max_tokens: 8, stream: true });
for await (const chunk of stream) {
  const piece = chunk.choices[0]?.delta?.content;
  if (piece) streamed.push(piece);
}
const models = await client.models.list();
console.log(JSON.stringify({
  content: completion.choices[0].message.content,
  model: completion.model,
  usage: completion.usage,
  streamed,
  models: models.data.map(m => m.id),
}));
