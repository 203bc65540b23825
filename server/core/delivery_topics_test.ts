import { expect, test } from "bun:test";
import { testMessage } from "../../common/testing/message_fixture.ts";
import {
  ALL_CHATS_TOPIC,
  chatTopic,
  type LocalPublisher,
  publishLiveMessage,
} from "./delivery_topics.ts";

/** A publisher recording what it was given, with these subscriber counts per topic. */
function recordingPublisher(counts: Record<string, number> | undefined) {
  const published: Array<{ topic: string; frame: string }> = [];
  const publisher: LocalPublisher = {
    publish: (topic, frame) => published.push({ topic, frame }),
  };
  if (counts) publisher.subscriberCount = (topic) => counts[topic] ?? 0;
  return { publisher, published };
}

test("publishLiveMessage publishes a public chat's message to its topic and `all`, and counts", () => {
  const { publisher, published } = recordingPublisher({ [ALL_CHATS_TOPIC]: 2, [chatTopic(11)]: 1 });
  expect(publishLiveMessage(publisher, testMessage(4, 1), 4)).toBe(3);
  expect(published.map((p) => p.topic)).toEqual([chatTopic(11), ALL_CHATS_TOPIC]);
  const frame = JSON.parse(published[0].frame);
  expect(frame.type).toBe("newMessagesForClient");
  expect(frame.payload[0].messageId).toBe(testMessage(4, 1).messageId);
});

test("publishLiveMessage builds no frame when nobody is on the message's topics", () => {
  // A reader of another chat only: nothing of chat 11 is for it.
  const { publisher, published } = recordingPublisher({ [chatTopic(12)]: 5 });
  expect(publishLiveMessage(publisher, testMessage(4, 1), 4)).toBe(0);
  expect(published).toEqual([]);
  // A private chat's message never goes to `all`, so readers of `all` do not count for it.
  const privateChat = recordingPublisher({ [ALL_CHATS_TOPIC]: 3 });
  expect(publishLiveMessage(privateChat.publisher, testMessage(4, 2, { chatId: 9_000_000_001 }), 4))
    .toBe(0);
  expect(privateChat.published).toEqual([]);
});

test("publishLiveMessage publishes anyway when the publisher cannot count its subscribers", () => {
  const { publisher, published } = recordingPublisher(undefined);
  expect(publishLiveMessage(publisher, testMessage(4, 1), 4)).toBe(0);
  expect(published.length).toBe(2);
});

test("publishLiveMessage goes through publishMessage once there are readers, counting them", () => {
  const frames: string[] = [];
  const publisher: LocalPublisher = {
    publish: () => {
      throw new Error("publishMessage is the path");
    },
    publishMessage: (_message, frame) => {
      frames.push(frame);
    },
    subscriberCount: (topic) => topic === ALL_CHATS_TOPIC ? 1 : 0,
  };
  expect(publishLiveMessage(publisher, testMessage(4, 1), 4)).toBe(1);
  expect(frames.length).toBe(1);
  // Nobody on a private chat's own topic: not even publishMessage is asked.
  expect(publishLiveMessage(publisher, testMessage(4, 2, { chatId: 9_000_000_001 }), 4)).toBe(0);
  expect(frames.length).toBe(1);
});
