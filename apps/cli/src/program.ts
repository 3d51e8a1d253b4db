import { loadDefaultConfig, type JobConfig } from '@tuneforge/contracts';
import { Argument, Command, CommanderError, Option } from 'commander';
import { toCliError } from './cli-error';
import { createKeyCommand, getQuotasCommand, listDeadLettersCommand, listKeysCommand, QUOTA_OPTIONS, replayDeadLetterCommand, revokeKeyCommand, setQuotasCommand, type SetQuotasOptions } from './commands/admin';
import { approveCommand, type ApproveOptions } from './commands/approve';
import { chatCommand, type ChatOptions } from './commands/chat';
import type { CommandContext } from './commands/command-context';
import { downloadCommand, type DownloadOptions } from './commands/download';
import { addModelCommand, controlCommand, listCommand, modelsCommand, statusCommand } from './commands/inspect';
import { submitCommand, type SubmitOptions } from './commands/submit';
import { uploadCommand } from './commands/upload';
import { DEFAULT_API_KEY, DEFAULT_BASE_URL, resolveConnectionSettings, type ConnectionSettings } from './connection-settings';
import { EXIT, EXIT_CODE_HELP, type ExitCode } from './exit-codes';
import { followJob } from './follow-job';
import { GatewayClient } from './gateway-client';
import type { Io } from './io';
import { jsonObject, nonNegativeInteger, positiveInteger, positiveNumber, quotaLimit, temperature } from './option-parsers';

export interface CliEnvironment {
  io: Io;
  env: NodeJS.ProcessEnv;
  /** Injected by tests that check what a command would run without a gateway. */
  makeClient?: (settings: ConnectionSettings) => GatewayClient;
}

/**
 * Runs one `tuneforge` invocation and returns its exit code (see exit-codes.ts). Usage errors (commander's
 * and the CLI's own) are 2; API errors print the OpenAI envelope's message and param.
 */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  let settings: ConnectionSettings | undefined;
  const { io } = environment;
  let defaults: JobConfig | undefined;
  const context = (command: Command): CommandContext => {
    const globals = command.optsWithGlobals<{ baseUrl?: string; apiKey?: string }>();
    settings = resolveConnectionSettings(globals, environment.env);
    const client = (environment.makeClient ?? ((s) => new GatewayClient(s)))(settings);
    return { io, settings, client, defaults: () => (defaults ??= loadDefaultConfig()) };
  };
  // Every action reports its exit code through here (commander's actions return nothing).
  const action =
    <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      code = await run(context(command), ...(args.slice(0, -1) as A));
    };

  const program = buildProgram(action, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    const failure = toCliError(error, settings?.baseUrl ?? DEFAULT_BASE_URL);
    io.err(`tuneforge: ${failure.message}`);
    return failure.exitCode;
  }
}

type ActionFactory = <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) => (...args: unknown[]) => Promise<void>;

/** The command tree; every subcommand inherits the global options, exit override and output settings. */
export function buildProgram(action: ActionFactory, io: Io): Command {
  const program = new Command('tuneforge')
    .description('Fine-tune models on a Tuneforge gateway: upload data, submit and follow jobs, answer approvals, chat with the result.')
    .version('0.1.0')
    .option('--base-url <url>', `gateway API base URL (env TUNEFORGE_BASE_URL; default ${DEFAULT_BASE_URL})`)
    .option('--api-key <key>', `API key (env TUNEFORGE_API_KEY; default ${DEFAULT_API_KEY}, embedded mode's development key)`)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    // Set before the subcommands exist: they copy these settings when created.
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) });

  program
    .command('upload')
    .description('upload a file (JSONL dataset) and print its id')
    .argument('<file>', 'local file')
    .addOption(new Option('--purpose <purpose>', 'file purpose').default('fine-tune'))
    .action(action((ctx, file: string, options: { purpose: string }) => uploadCommand(ctx, file, options)));

  program
    .command('submit')
    .description('create a fine-tuning job (local files are uploaded first) and print its id')
    .option('--model <name>', 'registered base model (default: model.base of the config, i.e. configs/default_config.json)')
    .requiredOption('--training-file <file>', 'training data: a local file (uploaded) or a file id')
    .option('--validation-file <file>', 'validation data: a local file (uploaded) or a file id')
    .option('--config <job.json>', 'job config merged on top of configs/default_config.json (same shape)')
    .option('--epochs <n>', 'number of epochs (hyperparameters.n_epochs)', positiveInteger)
    .option('--learning-rate-multiplier <x>', 'multiplier of the default learning rate', positiveNumber)
    .option('--batch-size <n>', 'batch size (hyperparameters.batch_size; DPO: preference pairs per step)', positiveInteger)
    .addOption(new Option('--method <type>', "training method (OpenAI's method.type): supervised, dpo for preference pairs, or reinforcement with --grader (default: the config's training.objective)").choices(['supervised', 'dpo', 'reinforcement']))
    .option('--beta <x>', 'DPO beta, > 0 (method.dpo.hyperparameters.beta; with --method dpo)', positiveNumber)
    .option('--grader <grader.json>', 'reinforcement grader, an OpenAI grader JSON file (method.reinforcement.grader; with --method reinforcement, which also needs --validation-file)')
    .option('--suffix <text>', 'suffix for the fine-tuned model name')
    .option('--seed <n>', 'seed for data shuffling and training', nonNegativeInteger)
    .option('--task <text|@file>', 'task description (text, or @path to read it from a file)')
    .option('--tools <tools.json>', 'OpenAI function tools the model should learn to use (JSON array or { "tools": [...] })')
    .option('--data-format <format>', 'training data format (default auto-detected)')
    .option('--approval-policy <policy>', 'ask|approve|reject for every question, or stage=answer pairs (training_halfway=ask,after_evaluation=approve,...)')
    .option('--follow', 'follow the job until it ends (exit code as for `follow`)')
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .action(action((ctx, options: SubmitOptions) => submitCommand(ctx, options)));

  program
    .command('follow')
    .description('stream a job\'s events with training progress until it ends; print approval questions and where the model is')
    .argument('<job>', 'job id (ftjob-...)')
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .action(action((ctx, job: string) => followJob(ctx.client, job, ctx.io)));

  program
    .command('approve')
    .description('answer a job\'s approval question (the only pending one when no id is given)')
    .argument('<job>', 'job id')
    .argument('[approval-id]', 'approval id (default: the pending one)')
    .option('--reject', 'reject instead of approve')
    .option('--edit <json>', 'answer "edit" with these changes (JSON object), where the question offers it', jsonObject)
    .option('--comment <text>', 'a comment recorded with the answer')
    .action(action((ctx, job: string, approval: string | undefined, options: ApproveOptions) => approveCommand(ctx, job, approval, options)));

  program
    .command('list')
    .description('list jobs or files, newest first')
    .addArgument(new Argument('[what]', 'what to list').choices(['jobs', 'files']).default('jobs'))
    .addOption(new Option('--limit <n>', 'how many').argParser(positiveInteger).default(20))
    .option('--json', 'print the API objects as JSON')
    .action(action((ctx, what: 'jobs' | 'files', options: { limit: number; json?: boolean }) => listCommand(ctx, what, options)));

  const models = program
    .command('models')
    .description('list the models you can fine-tune from or call: base models, then fine-tuned models (ft:...) and their checkpoints; `models add` registers a base model')
    .option('--json', 'print the API objects as JSON')
    .action(action((ctx, options: { json?: boolean }) => modelsCommand(ctx, options)));
  models
    .command('add')
    .description('register a base model: a Hugging Face model directory (config.json, safetensors, tokenizer) or one GGUF file (llama.cpp, Ollama)')
    .argument('<path>', 'model directory or .gguf file')
    .option('--name <name>', 'the base model\'s name (default: the directory\'s or file\'s name)')
    .option('--operator', 'register it for every tenant (needs an admin key, TF_ADMIN_API_KEYS on the gateway)')
    .option('--json', 'print the API object as JSON')
    // `--json` after `add` is parsed as the parent's (commander recognizes a parent's options after its subcommand).
    .action(action((ctx, path: string, options: { name?: string; json?: boolean; operator?: boolean }) => addModelCommand(ctx, path, { ...models.opts<{ json?: boolean }>(), ...options })));

  program
    .command('chat')
    .description('chat with a model (a base model or an ft: name), streaming its replies: one line read = one turn; /exit or end of input ends it')
    .argument('<model>', 'model id, as `tuneforge models` lists it')
    .option('--tools <tools.json>', 'OpenAI function tools to offer the model (JSON array or { "tools": [...] }); its calls print as `tool call: name(args)` and the next line is the result')
    .option('--system <text>', 'system message the conversation starts with')
    .option('--temperature <t>', 'sampling temperature, 0 (greedy) to 2 (default: the server\'s, 1)', temperature)
    .option('--max-tokens <n>', 'longest reply, in tokens (default: the server\'s limit)', positiveInteger)
    .addHelpText('after', `\n${EXIT_CODE_HELP}`)
    .action(action((ctx, model: string, options: ChatOptions) => chatCommand(ctx, model, options)));

  program
    .command('status')
    .description('show a job, its approvals and checkpoints (exit code: 1 failed, 3 cancelled, 6 rejected, else 0)')
    .argument('<job>', 'job id')
    .option('--json', 'print the job object (with approvals and checkpoints) as JSON')
    .action(action((ctx, job: string, options: { json?: boolean }) => statusCommand(ctx, job, options)));

  for (const control of ['cancel', 'pause', 'resume'] as const) {
    program
      .command(control)
      .description(`${control} a job`)
      .argument('<job>', 'job id')
      .action(action((ctx, job: string) => controlCommand(ctx, control, job)));
  }
  program
    .command('download')
    .description('download a succeeded job\'s merged model (default), PEFT adapter or GGUF file (llama.cpp, Ollama), checked against its sha256s')
    .argument('<job>', 'job id')
    .option('--merged', 'the merged model (safetensors + config + tokenizer) (default)')
    .option('--adapter', 'the PEFT adapter')
    .option('--gguf', 'the merged model as GGUF (F16) with an Ollama Modelfile: `ollama create NAME -f DIR/Modelfile`')
    .requiredOption('--out <dir>', 'directory to write the files into')
    .action(action((ctx, job: string, options: DownloadOptions) => downloadCommand(ctx, job, options)));

  const admin = program.command('admin').description("the deployment's operators' commands (an admin key): API keys and tenant quotas");
  const keys = admin.command('keys').description('create, list and revoke API keys (the gateway keeps only their hashes)');
  keys
    .command('create')
    .description('create an API key for a tenant and print it: it is shown only this once')
    .requiredOption('--tenant <tenant>', 'the tenant the key acts for (created if new)')
    .option('--name <name>', 'a name to tell the key apart in lists')
    .option('--admin', 'an admin key: it may also manage keys and quotas and register base models for every tenant')
    .option('--json', 'print the API object (key included) as JSON')
    .action(action((ctx, options: { tenant: string; name?: string; admin?: boolean; json?: boolean }) => createKeyCommand(ctx, options)));
  keys
    .command('list')
    .description("list API keys (id, tenant, the key's first characters, admin, active or revoked, created, name); never the keys")
    .option('--tenant <tenant>', "only this tenant's keys")
    .option('--json', 'print the API objects as JSON')
    .action(action((ctx, options: { tenant?: string; json?: boolean }) => listKeysCommand(ctx, options)));
  keys
    .command('revoke')
    .description('revoke an API key: it stops working (within 30 s on every gateway instance)')
    .argument('<id>', 'key id (key-...), as `admin keys list` shows it')
    .action(action((ctx, id: string) => revokeKeyCommand(ctx, id)));

  const quotas = admin.command('quotas').description("a tenant's quotas: concurrent jobs, stored bytes, trained tokens per day (last 24 h)");
  quotas
    .command('get')
    .description("show a tenant's quotas: name, usage, limit (or unlimited) and where the limit comes from (tenant or default)")
    .argument('<tenant>', 'tenant id')
    .option('--json', 'print the API object as JSON')
    .action(action((ctx, tenant: string, options: { json?: boolean }) => getQuotasCommand(ctx, tenant, options)));
  const set = quotas
    .command('set')
    .description("set a tenant's own limits (a number), or return them to the deployment's default (`default`); quotas not named stay as they are")
    .argument('<tenant>', 'tenant id')
    .option('--json', 'print the API object as JSON');
  for (const { flag } of QUOTA_OPTIONS) set.option(`${flag} <n|default>`, `limit of ${flag.slice(2).replaceAll('-', '_')}`, quotaLimit);
  set.action(action((ctx, tenant: string, options: SetQuotasOptions) => setQuotasCommand(ctx, tenant, options)));

  const dlq = admin.command('dlq').description('messages consumers gave up on (dead letters): list them, send one again');
  dlq
    .command('list')
    .description('list dead letters, newest first: id, failed, topic, partition/offset, group, reason, attempts, replayed, error')
    .option('--topic <topic>', 'only those of this topic')
    .option('--group <group>', 'only those of this consumer group')
    .option('--all', 'replayed ones too')
    .option('--limit <n>', 'at most this many (1-100, default 20)', positiveInteger)
    .option('--json', 'print the API objects as JSON')
    .action(action((ctx, options: { topic?: string; group?: string; all?: boolean; limit?: number; json?: boolean }) => listDeadLettersCommand(ctx, options)));
  dlq
    .command('replay')
    .description('send a dead letter\'s message again to the consumer group that failed it (after fixing the cause)')
    .argument('<id>', 'dead letter id (dl-...), as `admin dlq list` shows it')
    .action(action((ctx, id: string) => replayDeadLetterCommand(ctx, id)));
  return program;
}
