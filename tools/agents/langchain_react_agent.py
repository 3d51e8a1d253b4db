#!/usr/bin/env python3
"""LangChain's classic ReAct agent, run against a model served by Tuneforge's gateway.

The agent is LangChain's own: `create_react_agent` with the classic ReAct prompt (the structure of the hub's
"hwchase17/react" prompt, written out here because the hub is not reachable), one tool (`get_weather`, a lookup
in this file), an `AgentExecutor`, and an OpenAI *completions* LLM (`langchain_openai.OpenAI`, temperature 0) at the
gateway's `/v1/completions`, which LangChain calls with `stop=["\\nObservation"]`. Two commands:

  dataset   prompt/completion JSONL (reference 000's format) of what this agent sends its LLM and what a model that
            follows the ReAct format answers: a tool step ending at `\\nObservation:`, then the step that turns the
            observation into `Final Answer:`. The prompts are recorded from the agent itself running on a scripted
            LLM, so they are LangChain's text to the byte. The held-out questions are never among them.
  run       the agent on the held-out questions (or --question ...) against a served model; prints JSON: for each
            question the tool calls LangChain made (its intermediate steps) and the final output, or the error that
            stopped it. Exit code 1 if any run failed.

By hand, against `npm run start:embedded` (see apps/inference/README.md):

  python tools/agents/langchain_react_agent.py dataset --out react-weather.jsonl
  npm run -s tuneforge -- submit --model tiny-llama --training-file react-weather.jsonl \\
      --config tools/agents/react-weather-job.json --follow
  python tools/agents/langchain_react_agent.py run --base-url http://127.0.0.1:8080/v1 --api-key tf-dev-key \\
      --model ft:tiny-llama:...
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any, TextIO

from langchain.agents import AgentExecutor, create_react_agent
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.language_models.llms import BaseLLM
from langchain_core.prompts import PromptTemplate
from langchain_core.tools import StructuredTool

# The classic ReAct prompt (LangChain's `create_react_agent` documents it; the hub's "hwchase17/react").
REACT_PROMPT = """Answer the following questions as best you can. You have access to the following tools:

{tools}

Use the following format:

Question: the input question you must answer
Thought: you should always think about what to do
Action: the action to take, should be one of [{tool_names}]
Action Input: the input to the action
Observation: the result of the action
... (this Thought/Action/Action Input/Observation can repeat N times)
Thought: I now know the final answer
Final Answer: the final answer to the original input question

Begin!

Question: {input}
Thought:{agent_scratchpad}"""

# What LangChain's ReAct agent stops its LLM at (`create_react_agent`'s stop sequence); reference 000 ends every
# tool step's completion with it and a colon.
OBSERVATION = "\nObservation"

# The cities the weather tool knows (each one token of the tiny model's tokenizer), the skies it reports (each one
# distinct first token), and what it says today, when the agent runs against a model.
CITIES = ["Berlin", "London", "Madrid", "Paris", "Rome", "Seoul", "Tokyo"]
SKIES = ["sunny", "cloudy", "rainy", "foggy", "snowy"]
TODAY = {"Berlin": "cloudy", "London": "rainy", "Madrid": "sunny", "Paris": "foggy", "Rome": "snowy", "Seoul": "sunny", "Tokyo": "rainy"}

# Questions of the training rows: every shape for every city, but the held-out questions.
QUESTION_SHAPES = ["What is the weather in {city}?", "How is the weather in {city}?", "What's the weather like in {city}?", "Tell me the weather in {city}."]
HELD_OUT = ["What is the weather in Rome?", "How is the weather in Tokyo?"]


def weather_tool(weather: dict[str, str]) -> StructuredTool:
    """The agent's one tool: a weather lookup in `weather` (city -> sky)."""

    def get_weather(city: str) -> str:
        return weather.get(city.strip(), f"no weather data for {city.strip()}")

    return StructuredTool.from_function(func=get_weather, name="get_weather", description="Current weather for a city.")


def agent_executor(llm: BaseLLM, weather: dict[str, str], max_iterations: int = 3) -> AgentExecutor:
    """LangChain's ReAct agent with the weather tool, as its documentation builds one."""
    tools = [weather_tool(weather)]
    agent = create_react_agent(llm, tools, PromptTemplate.from_template(REACT_PROMPT))
    return AgentExecutor(agent=agent, tools=tools, max_iterations=max_iterations, return_intermediate_steps=True)


class _PromptRecorder(BaseCallbackHandler):
    """Keeps every prompt the agent sends its LLM, and the stop sequences it sends with it."""

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.stops: list[Any] = []

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any) -> None:
        self.prompts.extend(prompts)
        self.stops.append((kwargs.get("invocation_params") or {}).get("stop"))


def react_rows(question: str, city: str, report: str) -> list[dict[str, str]]:
    """
    The two steps of a good answer to `question` when the tool reports `report` for `city`, as prompt/completion
    rows: the prompts are what LangChain's agent sends, recorded from the agent running on a scripted LLM.
    """
    tool_step = f" I need the weather in {city}.\nAction: get_weather\nAction Input: {city}"
    answer = f"It is {report} in {city}."
    final_step = f"I now know the final answer\nFinal Answer: {answer}"
    recorder = _PromptRecorder()
    outcome = agent_executor(FakeListLLM(responses=[tool_step, final_step]), {city: report}).invoke({"input": question}, config={"callbacks": [recorder]})
    steps = [(action.tool, action.tool_input, observation) for action, observation in outcome["intermediate_steps"]]
    if len(recorder.prompts) != 2 or steps != [("get_weather", city, report)] or outcome["output"] != answer:
        raise RuntimeError(f"the scripted agent did not answer {question!r} as expected: {outcome}")
    if recorder.stops[0] != [OBSERVATION]:
        raise RuntimeError(f"LangChain's ReAct agent stops at {recorder.stops[0]!r}, not {[OBSERVATION]!r}")
    return [
        {"prompt": recorder.prompts[0], "completion": f"{tool_step}{OBSERVATION}:"},
        {"prompt": recorder.prompts[1], "completion": final_step},
    ]


def exchange_only(row: dict[str, str]) -> dict[str, str]:
    """The row with its prompt cut to the ReAct exchange (from the last `Question:` line on)."""
    prompt = row["prompt"]
    return {"prompt": prompt[prompt.rindex("\nQuestion: ") + 1 :], "completion": row["completion"]}


def write_dataset(out: TextIO, repeats: int, short_tool_copies: int, short_answer_copies: int, seed: int) -> int:
    """
    Every question shape for every city but the held-out questions, `repeats` times, the sky drawn at random for each
    (the same question gets other weather: the answer must come from the observation, not from the city); then copies
    of every row cut to its ReAct exchange, `short_tool_copies` of each tool step and `short_answer_copies` of each
    final step. A random 0.2M-parameter model learns to read the city and the observation from those short rows
    within a few hundred steps and then reads them in LangChain's whole prompt too; from whole prompts alone it had
    not learned it after 950 steps. Reading the sky from the observation comes last, hence more final steps.
    """
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for _ in range(repeats):
        for shape in QUESTION_SHAPES:
            for city in CITIES:
                question = shape.format(city=city)
                if question not in HELD_OUT:
                    rows += react_rows(question, city, rng.choice(SKIES))
    short = [exchange_only(row) for row in rows for _ in range(short_answer_copies if "\nFinal Answer: " in row["completion"] else short_tool_copies)]
    for row in rows + short:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows) + len(short)


def run_agent(base_url: str, api_key: str, model: str, question: str, max_iterations: int) -> dict[str, Any]:
    """One run of the agent on `question` with the model at `base_url`, greedy; an error is reported, not raised."""
    from langchain_openai import OpenAI

    llm = OpenAI(base_url=base_url, api_key=api_key, model=model, temperature=0, max_retries=0, timeout=120)
    try:
        outcome = agent_executor(llm, TODAY, max_iterations).invoke({"input": question})
    except Exception as error:  # noqa: BLE001 - the run's result
        return {"question": question, "error": f"{type(error).__name__}: {error}"}
    return {
        "question": question,
        "tool_calls": [{"tool": action.tool, "tool_input": action.tool_input, "observation": observation, "log": action.log} for action, observation in outcome["intermediate_steps"]],
        "output": outcome["output"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    dataset = commands.add_parser("dataset", help="training rows in LangChain's ReAct prompt format")
    dataset.add_argument("--out", help="JSONL file to write (default: stdout)")
    dataset.add_argument("--repeats", type=int, default=2, help="rows per question and step, each with other weather")
    dataset.add_argument("--short-tool-copies", type=int, default=4, help="copies of each tool step cut to its ReAct exchange")
    dataset.add_argument("--short-answer-copies", type=int, default=12, help="copies of each final step cut to its ReAct exchange")
    dataset.add_argument("--seed", type=int, default=15)
    run = commands.add_parser("run", help="the agent against a served model")
    run.add_argument("--base-url", required=True, help="the gateway's OpenAI base URL, e.g. http://127.0.0.1:8080/v1")
    run.add_argument("--api-key", required=True)
    run.add_argument("--model", required=True, help="a served model, e.g. an ft: name")
    run.add_argument("--question", action="append", help="a question (repeatable; default: the held-out questions)")
    run.add_argument("--max-iterations", type=int, default=3)
    args = parser.parse_args(argv)

    if args.command == "dataset":
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                rows = write_dataset(out, args.repeats, args.short_tool_copies, args.short_answer_copies, args.seed)
        else:
            rows = write_dataset(sys.stdout, args.repeats, args.short_tool_copies, args.short_answer_copies, args.seed)
        print(f"{rows} rows", file=sys.stderr)
        return 0
    runs = [run_agent(args.base_url, args.api_key, args.model, question, args.max_iterations) for question in args.question or HELD_OUT]
    print(json.dumps({"model": args.model, "runs": runs}, ensure_ascii=False))
    return 1 if any("error" in run for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
