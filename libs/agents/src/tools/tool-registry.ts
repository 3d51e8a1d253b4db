import { TOOL_NAME_PATTERN, type ToolDefinition, argumentsProblem } from '@tuneforge/datasets';
import type { AgentTool } from './agent-tool';

/**
 * The tools of one agent by name, with their OpenAI definitions (for chat templates and the ReAct tool
 * list) and argument validation. Validation is libs/datasets' `argumentsProblem`, the one JSON-Schema check
 * the project uses for tool arguments (zod's JSON Schema import: type, properties, required, enum, items,
 * bounds, anyOf, additionalProperties), so evaluation accepts exactly the calls training data accepts.
 */
export class ToolRegistry {
  private readonly tools = new Map<string, AgentTool>();

  constructor(tools: Iterable<AgentTool> = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: AgentTool): this {
    if (!TOOL_NAME_PATTERN.test(tool.name)) throw new Error(`tool name ${JSON.stringify(tool.name)}: expected 1-64 letters, digits, _ or -`);
    if (this.tools.has(tool.name)) throw new Error(`tool ${JSON.stringify(tool.name)} is registered twice`);
    if (tool.parameters !== undefined && tool.parameters.type !== 'object') {
      throw new Error(`tool ${tool.name}: parameters must be a JSON Schema with "type": "object"`);
    }
    this.tools.set(tool.name, tool);
    return this;
  }

  get(name: string): AgentTool | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()];
  }

  get size(): number {
    return this.tools.size;
  }

  definitions(): ToolDefinition[] {
    return [...this.tools.values()].map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description !== undefined ? { description: tool.description } : {}),
        ...(tool.parameters !== undefined ? { parameters: tool.parameters } : {}),
      },
    }));
  }

  /** What is wrong with `args` for the named tool, or undefined when they fit its schema. */
  argumentsProblem(name: string, args: Record<string, unknown>): string | undefined {
    const tool = this.tools.get(name);
    if (!tool) return `a known tool (one of ${this.names().join(', ') || 'none'})`;
    const definition = this.definitions().find((d) => d.function.name === name);
    return definition ? argumentsProblem(definition, args) : undefined;
  }
}
