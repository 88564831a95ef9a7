import { succeeded, type CommandHandler } from './types.ts';

export const emitEvent: CommandHandler<'emitEvent'> = async (command, ctx) => {
  await ctx.events.record({
    involved: command.involved,
    type: command.type,
    reason: command.eventReason,
    note: command.message,
  });
  return succeeded();
};
