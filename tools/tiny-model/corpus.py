"""Built-in training corpus for the tiny byte-level BPE tokenizer.

Deterministic: the corpus is a pure function of this file. It mixes English prose, code,
ChatML conversations, OpenAI/Qwen-style tool calls and ReAct traces so that the merges the
tokenizer learns are representative of what Tuneforge fine-tunes on (agents using tools).
"""

from __future__ import annotations

import json

ENGLISH = """\
The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a single step.
Language models predict the next token given the previous tokens. Fine-tuning adapts a pretrained model
to a new task with a small learning rate, a warmup, and a cosine schedule. The loss goes down when the
model learns. Evaluation measures how often the agent calls the right tool with the right arguments.
It is a truth universally acknowledged that a good dataset matters more than a clever optimizer.
The weather today is sunny with a high of 24 degrees and a low of 12 degrees. Tomorrow it will rain.
Please summarize the following document in three sentences. The meeting is scheduled for Monday at 10am.
Customers can return items within thirty days of purchase. Refunds are issued to the original payment method.
The capital of France is Paris. The capital of Japan is Tokyo. The capital of Canada is Ottawa.
Water boils at 100 degrees Celsius at sea level. The speed of light is about 299,792 kilometers per second.
Once upon a time, there was a little robot who wanted to learn how to read. Every day it read one book.
We train with AdamW, gradient clipping, and gradient accumulation. Packed sequences never attend across samples.
What is the answer? I think the answer is forty-two. Let me check that again. Yes, that is correct.
You are a helpful assistant. Answer the question as truthfully as possible. If you do not know, say so.
The user asked for the order status. The order was shipped yesterday and should arrive within two days.
"""

CODE = '''\
def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


class Tokenizer:
    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab

    def encode(self, text: str) -> list[int]:
        return [self.vocab[t] for t in text.split() if t in self.vocab]


import json
import os

def load_config(path):
    with open(os.path.join(path, "config.json")) as f:
        return json.load(f)

export async function fetchWeather(city: string): Promise<Weather> {
  const response = await fetch(`https://api.example.com/weather?city=${encodeURIComponent(city)}`);
  if (!response.ok) {
    throw new Error(`request failed: ${response.status}`);
  }
  return (await response.json()) as Weather;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
for (let i = 0; i < 10; i++) { console.log(i); }

SELECT name, COUNT(*) AS orders FROM customers JOIN orders ON customers.id = orders.customer_id GROUP BY name;

int main(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        printf("%s\\n", argv[i]);
    }
    return 0;
}
'''

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "The city name."},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the web and return the top results.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "top_k": {"type": "integer"}},
                "required": ["query"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "calculator",
            "description": "Evaluate an arithmetic expression.",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string"}},
                "required": ["expression"],
            },
        },
    },
]

CITIES = ["Paris", "Tokyo", "Berlin", "London", "New York", "Madrid", "Rome", "Seoul"]
QUERIES = ["latest news about AI", "python list comprehension", "how to bake bread", "best hiking trails"]
EXPRESSIONS = ["2 + 2", "12 * 7", "(3 + 4) * 5", "100 / 8", "2 ** 10"]


def _react_trace(i: int) -> str:
    city = CITIES[i % len(CITIES)]
    expr = EXPRESSIONS[i % len(EXPRESSIONS)]
    q = QUERIES[i % len(QUERIES)]
    return (
        f"Question: What is the weather in {city} and what is {expr}?\n"
        f"Thought: I need to look up the weather in {city} first.\n"
        f"Action: get_weather\n"
        f'Action Input: {{"city": "{city}"}}\n'
        f"Observation: It is {10 + i} degrees and sunny in {city}.\n"
        f"Thought: Now I need to compute {expr}.\n"
        f"Action: calculator\n"
        f'Action Input: {{"expression": "{expr}"}}\n'
        f"Observation: {i * 3 + 1}\n"
        f"Thought: I should also search for {q}.\n"
        f"Action: search\n"
        f"Action Input: {q}\n"
        f"Observation: Found 3 results.\n"
        f"Thought: I now know the final answer.\n"
        f"Final Answer: It is {10 + i} degrees in {city}, and {expr} = {i * 3 + 1}.\n"
    )


def _chatml_conversation(i: int) -> str:
    city = CITIES[i % len(CITIES)]
    call = {"name": "get_weather", "arguments": {"city": city, "unit": "celsius"}}
    return (
        "<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n\n<tools>\n"
        + "\n".join(json.dumps(t) for t in TOOLS)
        + "\n</tools><|im_end|>\n"
        f"<|im_start|>user\nWhat is the weather like in {city} today?<|im_end|>\n"
        "<|im_start|>assistant\n<tool_call>\n" + json.dumps(call) + "\n</tool_call><|im_end|>\n"
        f'<|im_start|>user\n<tool_response>\n{{"temperature": {15 + i}, "condition": "cloudy"}}\n'
        "</tool_response><|im_end|>\n"
        f"<|im_start|>assistant\nIt is {15 + i} degrees Celsius and cloudy in {city}.<|im_end|>\n"
    )


def build_corpus() -> list[str]:
    """Return the list of training documents (deterministic)."""
    docs: list[str] = []
    docs.extend(p for p in ENGLISH.split("\n") if p)
    docs.append(CODE)
    for i in range(16):
        docs.append(_react_trace(i))
        docs.append(_chatml_conversation(i))
    docs.append(json.dumps(TOOLS, indent=2))
    return docs
