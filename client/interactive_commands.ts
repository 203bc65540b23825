/**
 * What the interactive terminal does with a line the user entered: a message,
 * or a slash command (command_parser.ts) carried out on the session.
 *
 * Invariant: a command that needs a node says so when there is none ("not
 * connected yet"), and a request that fails later never throws out of here.
 * @module
 */

import { COMMAND_HELP, parseCommand } from "./command_parser.ts";
import type { InteractiveContext } from "./interactive_events.ts";
import { formatMessageLine, sanitizeForTerminal } from "./message_format.ts";

/** Carries out one entered line; `quit` ends the chat. */
export function runCommandLine(context: InteractiveContext, line: string, quit: () => void): void {
  const { session, screen } = context;
  const command = parseCommand(line);
  switch (command.kind) {
    case "none":
      return screen.show();
    case "say":
      session.sendText(command.text);
      return;
    case "join":
      return session.join(command.chatId);
    case "chats":
      return ask(context, () => session.listChats()); // answered by a chatList event
    case "create":
      return ask(context, () => session.createChat(command.name)); // answered by chatCreated
    case "who":
      return ask(context, () => session.presence(session.chatId)); // answered by presenceList
    case "history":
      if (!session.connected) return offline(context);
      screen.note("older messages:");
      return void showOlder(context, command.limit);
    case "nick":
      context.ownNames.add(command.name);
      session.setName(command.name);
      context.remember({ name: command.name });
      return screen.note(`you are now ${sanitizeForTerminal(command.name)}`);
    case "help":
      return screen.show(screen.dim(COMMAND_HELP));
    case "quit":
      return quit();
    case "invalid":
      return screen.note(command.message);
  }
}

function offline(context: InteractiveContext): void {
  context.screen.note("not connected yet; try again in a moment");
}

/** A request whose answer comes as a session event; a failure is said there too. */
function ask(context: InteractiveContext, request: () => Promise<unknown>): void {
  if (!context.session.connected) return offline(context);
  request().catch(() => {/* the connection went: nothing to answer */});
}

async function showOlder(context: InteractiveContext, limit: number): Promise<void> {
  const { session, screen, older } = context;
  try {
    const messages = await older.next((o) => session.history(session.chatId, o), limit);
    screen.show(...messages.map((m) => formatMessageLine(m, { color: context.color })));
    screen.note(messages.length ? `${messages.length} older messages above` : "no older messages");
  } catch { /* a node error is shown by its event; a lost connection by the status */ }
}
