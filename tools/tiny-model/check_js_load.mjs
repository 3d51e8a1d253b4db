// Loads a tiny model's tokenizer with @huggingface/tokenizers and renders its chat template with
// @huggingface/jinja, then prints JSON {ids, decoded, rendered} for the cases given in a JSON file.
// Used by test_make_tiny_model.py to check that JS and Python agree (skipped when node is absent).
// Usage: node tools/tiny-model/check_js_load.mjs <model_dir> <cases.json>
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { Template } from "@huggingface/jinja";

const [modelDir, casesPath] = process.argv.slice(2);
const tokJson = JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8"));
const tokCfg = JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8"));
const cases = JSON.parse(readFileSync(casesPath, "utf8"));
const tokenizer = new Tokenizer(tokJson, tokCfg);
const template = new Template(tokCfg.chat_template);

const out = { texts: [], chats: [] };
for (const text of cases.texts) {
  const enc = tokenizer.encode(text, { add_special_tokens: false });
  out.texts.push({ ids: enc.ids, decoded: tokenizer.decode(enc.ids) });
}
for (const chat of cases.chats) {
  const rendered = template.render({
    messages: chat.messages,
    tools: chat.tools,
    add_generation_prompt: chat.add_generation_prompt,
    eos_token: tokCfg.eos_token,
    pad_token: tokCfg.pad_token,
  });
  out.chats.push({ rendered });
}
process.stdout.write(JSON.stringify(out));
