import type { ToolDefinition } from '@tuneforge/datasets';
import type { AgentTool } from './agent-tool';
import { createCalculatorTool } from './calculator';
import { createFixtureTools, type ToolFixture } from './fixture-tools';
import { createHttpTool, type HttpToolSpec } from './http-tool';
import { createRetrievalTool, type SearchFunction } from './retrieval-tool';

/** HTTP tools the operator allows in episodes, and the hosts they may reach. */
export interface OperatorHttpTools {
  tools: readonly HttpToolSpec[];
  allowedHosts: readonly string[];
}

export interface EpisodeToolOptions {
  http?: OperatorHttpTools;
  /** The job's retrieval index: a `search` tool over it, unless the line defines a `search` tool of its own. */
  search?: SearchFunction;
}

/** The retrieval tool's name in episodes (the evaluator's and the training rollouts' alike). */
export const EPISODE_SEARCH_TOOL = 'search';

/**
 * The tools of one episode of a task line (a reinforcement line: its `tools` definitions and `tool_fixtures`): the
 * calculator, which computes; search over the job's documents when it has a retrieval index; the line's own function
 * tools, called over HTTP when the operator allows an HTTP tool of that name, otherwise answered from the line's
 * fixtures (a call no fixture answers gets an error observation). A line cannot name a URL: only the operator's list
 * reaches the network. Training rollouts and the evaluator's held-out episodes build their tools here, so the model is
 * scored with the tools it was trained with. Returns a factory per line: tools are built anew for every group.
 */
export function episodeTools(options: EpisodeToolOptions = {}): (item: Record<string, unknown>) => () => AgentTool[] {
  const http = options.http ?? { tools: [], allowedHosts: [] };
  // Checked once, when the run starts: a URL off the allowed hosts fails the run instead of every call.
  for (const spec of http.tools) createHttpTool(spec, { allowedHosts: http.allowedHosts });
  const allowed = new Map(http.tools.map((spec) => [spec.name, spec]));
  return (item) => {
    const definitions = (Array.isArray(item['tools']) ? (item['tools'] as ToolDefinition[]) : []).filter((d) => d.function?.name !== 'calculator');
    const fixtures = Array.isArray(item['tool_fixtures']) ? (item['tool_fixtures'] as ToolFixture[]) : [];
    const local = definitions.filter((d) => !allowed.has(d.function.name));
    const remote = definitions.filter((d) => allowed.has(d.function.name));
    const searchHere = options.search !== undefined && !definitions.some((d) => d.function.name === EPISODE_SEARCH_TOOL);
    return () => [
      createCalculatorTool(),
      ...(searchHere ? [createRetrievalTool({ search: options.search!, name: EPISODE_SEARCH_TOOL })] : []),
      ...createFixtureTools(local, fixtures.filter((f) => local.some((d) => d.function.name === f.tool))),
      ...remote.map((d) => createHttpTool({ ...allowed.get(d.function.name)!, ...(d.function.description !== undefined ? { description: d.function.description } : {}), ...(d.function.parameters !== undefined ? { parameters: d.function.parameters } : {}) }, { allowedHosts: http.allowedHosts })),
    ];
  };
}
