"""The training rows of the LangChain ReAct agent (langchain_react_agent.py) are LangChain's own prompts."""

import io
import json

from langchain.agents.format_scratchpad import format_log_to_str
from langchain_core.agents import AgentAction
from langchain_core.tools.render import render_text_description

import langchain_react_agent as agent


def _rows(**options):
    out = io.StringIO()
    count = agent.write_dataset(out, options.get("repeats", 1), options.get("short_tool_copies", 0), options.get("short_answer_copies", 0), seed=15)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == count
    return rows


def test_rows_are_the_classic_react_prompt_as_langchain_fills_it():
    rows = _rows()
    tool = agent.weather_tool({})
    question = "How is the weather in Berlin?"
    step = next(i for i, row in enumerate(rows) if row["prompt"].endswith(f"Question: {question}\nThought:"))
    first, second = rows[step], rows[step + 1]
    fill = {"tools": render_text_description([tool]), "tool_names": "get_weather", "input": question}
    assert first["prompt"] == agent.REACT_PROMPT.format(**fill, agent_scratchpad="")
    assert first["completion"] == " I need the weather in Berlin.\nAction: get_weather\nAction Input: Berlin\nObservation:"
    # The second step's prompt carries the first step and the tool's answer as LangChain's scratchpad writes them.
    sky = second["completion"].split("It is ")[1].split(" ")[0]
    assert sky in agent.SKIES
    action = AgentAction("get_weather", "Berlin", first["completion"].removesuffix("\nObservation:"))
    assert second["prompt"] == agent.REACT_PROMPT.format(**fill, agent_scratchpad=format_log_to_str([(action, sky)]))
    assert second["completion"] == f"I now know the final answer\nFinal Answer: It is {sky} in Berlin."


def test_every_question_but_the_held_out_ones_and_short_copies():
    rows = _rows(repeats=2, short_tool_copies=1, short_answer_copies=3)
    whole = [row for row in rows if row["prompt"].startswith("Answer the following")]
    assert len(whole) == 2 * 2 * (len(agent.QUESTION_SHAPES) * len(agent.CITIES) - len(agent.HELD_OUT))
    assert len(rows) == len(whole) + 2 * len(whole)
    for question in agent.HELD_OUT:
        assert not any(f"Question: {question}\n" in row["prompt"] for row in rows)
    # The short copies: the whole rows cut to their ReAct exchange, one of each tool step, three of each final step.
    short = rows[len(whole) :]
    cut = [(row["prompt"][row["prompt"].rindex("\nQuestion: ") + 1 :], row["completion"]) for row in whole]
    expected = [pair for pair in cut for _ in range(3 if "\nFinal Answer: " in pair[1] else 1)]
    assert [(row["prompt"], row["completion"]) for row in short] == expected
    assert all(row["prompt"].startswith("Question: ") for row in short)


def test_the_tool_looks_the_city_up():
    tool = agent.weather_tool(agent.TODAY)
    assert tool.invoke("Rome") == agent.TODAY["Rome"]
    assert tool.invoke(" Rome ") == agent.TODAY["Rome"]
    assert tool.invoke("Atlantis") == "no weather data for Atlantis"
